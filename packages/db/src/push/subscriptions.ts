import { can, type Actor, type Identity, type PushSubscriptionInput, type PushTopic } from "@offshift/core";
import { client, type Db } from "../client.js";

export type SavePushSubscriptionResult =
  { ok: true; topics: PushTopic[]; discreet: boolean } | { ok: false; code: "forbidden"; message: string };

/**
 * Keeps this device's subscription with the person's choices. An endpoint is one
 * browser profile: subscribing again (new topics, the discreet switch, someone
 * else signed in on it) updates the one row. Only the push address, the keys,
 * the owner's id and the choices are stored.
 */
export async function savePushSubscription(
  handle: Db,
  input: { actor: Actor; subscription: PushSubscriptionInput; now: Date; browserKey?: string },
): Promise<SavePushSubscriptionResult> {
  const db = client(handle);
  const { actor, subscription, now } = input;
  if (!can(actor, "push.subscribe"))
    return { ok: false, code: "forbidden", message: "Choose a nickname or sign in first, then turn notifications on." };
  const owner = {
    guestId: actor.kind === "guest" ? actor.guestId : null,
    personId: actor.kind === "person" ? actor.personId : null,
  };
  const data = {
    p256dh: subscription.keys.p256dh,
    auth: subscription.keys.auth,
    ...owner,
    discreet: subscription.discreet,
    topics: subscription.topics,
    browserKey: input.browserKey ?? null,
    updatedAt: now,
  };
  const row = await db.pushSubscription.upsert({
    where: { endpoint: subscription.endpoint },
    create: { endpoint: subscription.endpoint, createdAt: now, ...data },
    update: data,
    select: { topics: true, discreet: true },
  });
  return { ok: true, topics: row.topics as PushTopic[], discreet: row.discreet };
}

/** This device's choices, for the switch on the page (the endpoint is known only to the browser). */
export async function pushSubscriptionStatus(
  handle: Db,
  endpoint: string,
): Promise<{ topics: PushTopic[]; discreet: boolean } | null> {
  const db = client(handle);
  const row = await db.pushSubscription.findUnique({ where: { endpoint }, select: { topics: true, discreet: true } });
  return row ? { topics: row.topics as PushTopic[], discreet: row.discreet } : null;
}

/** "Turn off notifications on this device", or a push service saying the subscription is gone (404/410). */
export async function removePushSubscription(handle: Db, endpoint: string): Promise<boolean> {
  const db = client(handle);
  return (await db.pushSubscription.deleteMany({ where: { endpoint } })).count > 0;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  discreet: boolean;
}

/** The devices of one guest or person that chose `topic`. */
export async function pushTargetsFor(handle: Db, identity: Identity, topic: PushTopic): Promise<PushTarget[]> {
  const db = client(handle);
  const rows = await db.pushSubscription.findMany({
    where: {
      ...(identity.kind === "guest" ? { guestId: identity.id } : { personId: identity.id }),
      topics: { has: topic },
    },
    select: { endpoint: true, p256dh: true, auth: true, discreet: true },
  });
  return rows.map((r) => ({ endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth }, discreet: r.discreet }));
}

export interface DropInPush {
  target: PushTarget;
  message:
    | { kind: "dropin-soon"; occurrenceId: string; title: string }
    | { kind: "dropin-cancelled"; occurrenceId: string; title: string };
}

/** "Your drop-in opens in 10 minutes" is sent this long before the start. */
export const DROPIN_SOON_MS = 10 * 60_000;

/**
 * The drop-in pushes due now, each claimed once across every realtime node (the
 * PushSent insert that wins sends it): to devices that chose `dropins` and either
 * counted themselves in (the device's own browser key, as "Count me in" keeps it)
 * or belong to an account that asked for a reminder for that session or series.
 * - opens soon: a session going ahead that starts within 10 minutes;
 * - cancelled: a session still in the future that was cancelled.
 */
export async function claimDropInPushes(handle: Db, now: Date): Promise<DropInPush[]> {
  const db = client(handle);
  const soonUntil = new Date(now.getTime() + DROPIN_SOON_MS);
  // A key is needed until its session has started (a cancelled one far ahead must not be told twice).
  // Only drop-in keys: rota pushes (rota/pushes.ts) keep their own.
  await db.$executeRaw`
    DELETE FROM "PushSent" ps
    WHERE split_part(ps."dedupeKey", ':', 1) IN ('soon', 'cancelled')
      AND NOT EXISTS (SELECT 1 FROM "DropInOccurrence" o
                      WHERE o."id"::text = split_part(ps."dedupeKey", ':', 2) AND o."startsAt" > ${now})`;
  const rows = await db.$queryRaw<
    {
      kind: "soon" | "cancelled";
      occurrenceId: string;
      title: string;
      endpoint: string;
      p256dh: string;
      auth: string;
      discreet: boolean;
    }[]
  >`
    WITH due AS (
      SELECT CASE WHEN o."status" = 'CANCELLED' THEN 'cancelled' ELSE 'soon' END AS "kind",
             o."id" AS "occurrenceId", o."title", ps."id" AS "subscriptionId"
      FROM "DropInOccurrence" o
      JOIN "PushSubscription" ps ON 'dropins' = ANY(ps."topics")
      WHERE o."startsAt" > ${now}
        AND ((o."status" = 'SCHEDULED' AND o."startsAt" <= ${soonUntil}) OR o."status" = 'CANCELLED')
        AND (EXISTS (SELECT 1 FROM "AttendanceIntent" a
                     WHERE a."occurrenceId" = o."id" AND a."browserKey" = ps."browserKey")
             OR EXISTS (SELECT 1 FROM "ReminderRequest" r
                        WHERE r."personId" = ps."personId"
                          AND (r."occurrenceId" = o."id" OR (r."occurrenceId" IS NULL AND r."seriesId" = o."seriesId"))))
    ),
    claimed AS (
      INSERT INTO "PushSent" ("dedupeKey", "sentAt")
      SELECT DISTINCT d."kind" || ':' || d."occurrenceId" || ':' || d."subscriptionId", ${now}::timestamptz FROM due d
      ON CONFLICT ("dedupeKey") DO NOTHING
      RETURNING "dedupeKey"
    )
    SELECT d."kind", d."occurrenceId"::text AS "occurrenceId", d."title", ps."endpoint", ps."p256dh", ps."auth", ps."discreet"
    FROM due d
    JOIN claimed c ON c."dedupeKey" = d."kind" || ':' || d."occurrenceId" || ':' || d."subscriptionId"
    JOIN "PushSubscription" ps ON ps."id" = d."subscriptionId"`;
  return rows.map((r) => ({
    target: { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth }, discreet: r.discreet },
    message: {
      kind: r.kind === "cancelled" ? "dropin-cancelled" : "dropin-soon",
      occurrenceId: r.occurrenceId,
      title: r.title,
    },
  }));
}
