import { can, type Actor, type PushSubscriptionInput, type PushTopic } from "@offshift/core";
import type { Db } from "../client.js";

export type SavePushSubscriptionResult =
  { ok: true; topics: PushTopic[]; discreet: boolean } | { ok: false; code: "forbidden"; message: string };

/**
 * Keeps this device's subscription with the person's choices. An endpoint is one
 * browser profile: subscribing again (new topics, the discreet switch, someone
 * else signed in on it) updates the one row. Only the push address, the keys,
 * the owner's id and the choices are stored.
 */
export async function savePushSubscription(
  db: Db,
  input: { actor: Actor; subscription: PushSubscriptionInput; now: Date },
): Promise<SavePushSubscriptionResult> {
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
  db: Db,
  endpoint: string,
): Promise<{ topics: PushTopic[]; discreet: boolean } | null> {
  const row = await db.pushSubscription.findUnique({ where: { endpoint }, select: { topics: true, discreet: true } });
  return row ? { topics: row.topics as PushTopic[], discreet: row.discreet } : null;
}

/** "Turn off notifications on this device", or a push service saying the subscription is gone (404/410). */
export async function removePushSubscription(db: Db, endpoint: string): Promise<boolean> {
  return (await db.pushSubscription.deleteMany({ where: { endpoint } })).count > 0;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  discreet: boolean;
}

/**
 * The devices of one identity (`guest:<id>` or `person:<id>`, as socket rooms and
 * talk requests name it) that chose `topic`.
 */
export async function pushTargetsFor(db: Db, identityKey: string, topic: PushTopic): Promise<PushTarget[]> {
  const [kind, id] = identityKey.split(":");
  if (!id || (kind !== "guest" && kind !== "person")) return [];
  const rows = await db.pushSubscription.findMany({
    where: { ...(kind === "guest" ? { guestId: id } : { personId: id }), topics: { has: topic } },
    select: { endpoint: true, p256dh: true, auth: true, discreet: true },
  });
  return rows.map((r) => ({ endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth }, discreet: r.discreet }));
}
