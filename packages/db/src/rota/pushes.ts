import { nightLabel, type PushMessage } from "@offshift/core";
import { client, type Db } from "../client.js";
import type { PushTarget } from "../push/subscriptions.js";
import { loadEligibility } from "./eligibility.js";
import { quietNow } from "./quiet.js";

/**
 * Rota pushes, to the devices of volunteers who chose the `rota` topic:
 * - the slot reminder, on the mail's schedule (24 hours and 1 hour before a
 *   slot they are on);
 * - a cover request that fits them: someone asked for cover and the engine
 *   says the slot fits around their work, their other slots and drop-ins, and
 *   their limits (not the person asking, not someone already on it).
 * Each is claimed once per volunteer across every realtime node (the PushSent
 * insert that wins sends it). Inside a volunteer's quiet hours nothing is
 * claimed for them: the push waits for the first run after quiet hours end,
 * and is dropped if it went stale meanwhile (the slot started, the cover was
 * taken or withdrawn, the 24-hour reminder became the 1-hour one).
 */

export type RotaPushMessage = Extract<PushMessage, { kind: "rota-reminder" | "rota-cover" }>;

export interface RotaPush {
  personId: string;
  message: RotaPushMessage;
  targets: PushTarget[];
  /** Not worth delivering after this many seconds (the slot starts, or a day for cover). */
  ttlSeconds: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Cover requests further ahead than this wait; the rota page lists them meanwhile. */
export const ROTA_COVER_PUSH_AHEAD_DAYS = 14;

interface Candidate {
  key: string;
  personId: string;
  slotId: string;
  startsAt: Date;
  name: string;
  kind: "reminder" | "cover";
  lead?: "24h" | "1h";
  offerId?: string;
}

const when = (startsAt: Date, now: Date, timeZone: string) => {
  const w = nightLabel(startsAt, now, timeZone);
  return `${w.day} at ${w.time}`;
};

/**
 * The rota pushes due at `now`, each claimed exactly once. Keys are
 * `rota-reminder:<slotId>:<personId>:24h|1h` and `rota-cover:<offerId>:<personId>`;
 * they are forgotten once the slot has started (or the cover request closed).
 */
export async function claimRotaPushes(handle: Db, now: Date, options: { timeZone: string }): Promise<RotaPush[]> {
  const db = client(handle);
  await db.$executeRaw`
    DELETE FROM "PushSent" ps
    WHERE (ps."dedupeKey" LIKE 'rota-reminder:%'
           AND NOT EXISTS (SELECT 1 FROM "RotaSlot" s
                           WHERE s."id"::text = split_part(ps."dedupeKey", ':', 2) AND s."startsAt" > ${now})) OR
          (ps."dedupeKey" LIKE 'rota-cover:%'
           AND NOT EXISTS (SELECT 1 FROM "RotaSwapOffer" o JOIN "RotaSlot" s ON s."id" = o."slotId"
                           WHERE o."id"::text = split_part(ps."dedupeKey", ':', 2)
                             AND o."status" = 'OPEN' AND s."startsAt" > ${now}))`;

  const subscribed = await db.$queryRaw<{ personId: string }[]>`
    SELECT DISTINCT ps."personId"::text AS "personId"
    FROM "PushSubscription" ps
    JOIN "Person" p ON p."id" = ps."personId"
    WHERE 'rota' = ANY(ps."topics") AND p."status" = 'APPROVED' AND p."erasedAt" IS NULL
      AND 'VOLUNTEER' = ANY(p."roles")`;
  if (subscribed.length === 0) return [];
  // Those in quiet hours are left out before anything else is worked out for them.
  const quiet = await quietNow(
    db,
    subscribed.map((r) => r.personId),
    now,
    options.timeZone,
  );
  const people = subscribed.map((r) => r.personId).filter((p) => !quiet.has(p));
  if (people.length === 0) return [];

  const candidates: Candidate[] = [];
  const reminders = await db.$queryRaw<{ slotId: string; personId: string; name: string; startsAt: Date }[]>`
    SELECT s."id"::text AS "slotId", a."personId"::text AS "personId", t."name", s."startsAt"
    FROM "RotaAssignment" a
    JOIN "RotaSlot" s ON s."id" = a."slotId"
    JOIN "RotaTemplate" t ON t."id" = s."templateId"
    WHERE a."personId"::text = ANY(${people})
      AND s."startsAt" > ${now} AND s."startsAt" <= ${new Date(now.getTime() + DAY_MS)}`;
  for (const r of reminders) {
    const lead = r.startsAt.getTime() - now.getTime() <= HOUR_MS ? "1h" : "24h";
    candidates.push({ key: `rota-reminder:${r.slotId}:${r.personId}:${lead}`, kind: "reminder", lead, ...r });
  }

  const offers = await db.$queryRaw<
    { offerId: string; slotId: string; fromId: string; name: string; startsAt: Date; endsAt: Date }[]
  >`
    SELECT o."id"::text AS "offerId", s."id"::text AS "slotId", o."fromId"::text AS "fromId", t."name", s."startsAt", s."endsAt"
    FROM "RotaSwapOffer" o
    JOIN "RotaSlot" s ON s."id" = o."slotId"
    JOIN "RotaTemplate" t ON t."id" = s."templateId"
    WHERE o."status" = 'OPEN' AND t."active"
      AND s."startsAt" > ${now} AND s."startsAt" <= ${new Date(now.getTime() + ROTA_COVER_PUSH_AHEAD_DAYS * DAY_MS)}
    ORDER BY s."startsAt", o."id"`;
  if (offers.length > 0) {
    const [held, sent] = await Promise.all([
      db.rotaAssignment.findMany({
        where: { slotId: { in: offers.map((o) => o.slotId) } },
        select: { slotId: true, personId: true },
      }),
      // Bounded: cover keys live only while their request is open.
      db.pushSent.findMany({ where: { dedupeKey: { startsWith: "rota-cover:" } }, select: { dedupeKey: true } }),
    ]);
    const onSlot = new Set(held.map((h) => `${h.slotId}:${h.personId}`));
    const told = new Set(sent.map((s) => s.dedupeKey));
    const open = offers.flatMap((o) =>
      people
        .filter((p) => p !== o.fromId && !onSlot.has(`${o.slotId}:${p}`) && !told.has(`rota-cover:${o.offerId}:${p}`))
        .map((personId) => ({ o, personId })),
    );
    if (open.length > 0) {
      // One load for every open request and everyone who might take one, read as a sign-up reads it.
      const loaded = await loadEligibility(db, {
        volunteerIds: [...new Set(open.map((x) => x.personId))],
        slots: offers,
        timeZone: options.timeZone,
      });
      for (const { o, personId } of open) {
        if (!loaded.verdict(personId, o.slotId)?.eligible) continue;
        candidates.push({
          key: `rota-cover:${o.offerId}:${personId}`,
          kind: "cover",
          personId,
          slotId: o.slotId,
          startsAt: o.startsAt,
          name: o.name,
          offerId: o.offerId,
        });
      }
    }
  }
  const due = candidates;
  if (due.length === 0) return [];
  const claimed = await db.$queryRaw<{ dedupeKey: string }[]>`
    INSERT INTO "PushSent" ("dedupeKey", "sentAt")
    SELECT k, ${now}::timestamptz FROM unnest(${due.map((c) => c.key)}::text[]) AS k
    ON CONFLICT ("dedupeKey") DO NOTHING
    RETURNING "dedupeKey"`;
  const won = new Set(claimed.map((c) => c.dedupeKey));
  const mine = due.filter((c) => won.has(c.key));
  const devices = await db.pushSubscription.findMany({
    where: { personId: { in: [...new Set(mine.map((c) => c.personId))] }, topics: { has: "rota" } },
    select: { personId: true, endpoint: true, p256dh: true, auth: true, discreet: true },
  });
  const targetsOf = new Map<string, PushTarget[]>();
  for (const d of devices)
    targetsOf.set(d.personId!, [
      ...(targetsOf.get(d.personId!) ?? []),
      { endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth }, discreet: d.discreet },
    ]);
  const out: RotaPush[] = [];
  for (const c of mine) {
    const targets = targetsOf.get(c.personId) ?? [];
    if (targets.length === 0) continue;
    const untilStart = Math.max(60, Math.floor((c.startsAt.getTime() - now.getTime()) / 1000));
    out.push({
      personId: c.personId,
      targets,
      ttlSeconds: Math.min(untilStart, c.kind === "reminder" ? untilStart : DAY_MS / 1000),
      message:
        c.kind === "reminder"
          ? {
              kind: "rota-reminder",
              slotId: c.slotId,
              name: c.name,
              when: when(c.startsAt, now, options.timeZone),
              lead: c.lead!,
            }
          : {
              kind: "rota-cover",
              offerId: c.offerId!,
              name: c.name,
              when: when(c.startsAt, now, options.timeZone),
            },
    });
  }
  return out;
}
