import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Actor, PushSubscriptionInput } from "@offshift/core";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { createGuest } from "../people/guests.js";
import { erasePerson, forgetGuest } from "../people/account.js";
import {
  claimDropInPushes,
  pushSubscriptionStatus,
  pushTargetsFor,
  removePushSubscription,
  savePushSubscription,
} from "./subscriptions.js";

let db: TestPrisma;
let drop: () => Promise<void>;
const now = new Date("2026-11-24T23:00:00Z");
let n = 0;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "push");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

/** A fresh device's subscription, as a browser's PushSubscription.toJSON() gives it. */
function device(topics: PushSubscriptionInput["topics"], discreet = true): PushSubscriptionInput {
  n++;
  return {
    endpoint: `https://push.example.org/send/device-${n}-${Math.random().toString(36).slice(2)}`,
    keys: { p256dh: Buffer.alloc(65, n).toString("base64url"), auth: Buffer.alloc(16, n).toString("base64url") },
    topics,
    discreet,
  };
}
const guestActor = async (nickname: string): Promise<Actor> => {
  const { guest } = await createGuest(db, { nickname, agreement: true }, now);
  return { kind: "guest", guestId: guest.id };
};
const volunteer = async (name: string) => {
  const p = await db.person.create({
    data: { displayName: name, roles: ["VOLUNTEER"], status: "APPROVED", email: `${name.toLowerCase()}@push.example` },
  });
  return { actor: { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" } as Actor, id: p.id };
};

describe("push subscriptions", () => {
  it("a guest's device is kept with its choices and found by the guest's identity and topic", async () => {
    const actor = await guestActor("Owl");
    const sub = device(["talk"]);
    expect(await savePushSubscription(db, { actor, subscription: sub, now })).toEqual({
      ok: true,
      topics: ["talk"],
      discreet: true,
    });
    const key = { kind: "guest", id: (actor as { guestId: string }).guestId } as const;
    expect(await pushTargetsFor(db, key, "talk")).toEqual([{ endpoint: sub.endpoint, keys: sub.keys, discreet: true }]);
    expect(await pushTargetsFor(db, key, "dropins")).toEqual([]);
  });

  it("subscribing the same device again changes its choices in place, and turning off removes it", async () => {
    const actor = await guestActor("Lark");
    const sub = device(["talk"]);
    await savePushSubscription(db, { actor, subscription: sub, now });
    await savePushSubscription(db, {
      actor,
      subscription: { ...sub, topics: ["talk", "dropins"], discreet: false },
      now,
    });
    expect(await db.pushSubscription.count({ where: { endpoint: sub.endpoint } })).toBe(1);
    expect(await pushSubscriptionStatus(db, sub.endpoint)).toEqual({ topics: ["talk", "dropins"], discreet: false });
    expect(await removePushSubscription(db, sub.endpoint)).toBe(true);
    expect(await pushSubscriptionStatus(db, sub.endpoint)).toBeNull();
    expect(await removePushSubscription(db, sub.endpoint)).toBe(false);
  });

  it("a device passed from a guest to a volunteer who signs in belongs to the volunteer only", async () => {
    const guest = await guestActor("Wren");
    const { actor, id } = await volunteer("Vic");
    const sub = device(["offers"]);
    await savePushSubscription(db, { actor: guest, subscription: sub, now });
    await savePushSubscription(db, { actor, subscription: sub, now });
    expect(await pushTargetsFor(db, { kind: "person", id }, "offers")).toHaveLength(1);
    expect(await pushTargetsFor(db, { kind: "guest", id: (guest as { guestId: string }).guestId }, "offers")).toEqual(
      [],
    );
  });

  it("someone with no nickname or account cannot subscribe, and nothing is stored", async () => {
    const sub = device(["talk"]);
    expect(await savePushSubscription(db, { actor: { kind: "visitor" }, subscription: sub, now })).toEqual({
      ok: false,
      code: "forbidden",
      message: "Choose a nickname or sign in first, then turn notifications on.",
    });
    expect(await pushSubscriptionStatus(db, sub.endpoint)).toBeNull();
  });

  it("a row can hold no name, email or phone: its columns are the device's and the choices only", async () => {
    const columns = await db.$queryRaw<{ column_name: string }[]>`
      SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_name = 'PushSubscription' ORDER BY column_name`;
    expect(columns.map((c) => c.column_name)).toEqual([
      "auth",
      "browserKey",
      "createdAt",
      "discreet",
      "endpoint",
      "guestId",
      "id",
      "p256dh",
      "personId",
      "topics",
      "updatedAt",
    ]);
    // And never both owners at once.
    const guest = await guestActor("Both");
    const { id } = await volunteer("Bea");
    await expect(
      db.pushSubscription.create({
        data: {
          ...device(["talk"]).keys,
          endpoint: "https://push.example.org/both",
          guestId: (guest as { guestId: string }).guestId,
          personId: id,
          createdAt: now,
          updatedAt: now,
        },
      }),
    ).rejects.toThrow();
  });

  it("forgetting a guest removes their devices' subscriptions", async () => {
    const actor = await guestActor("Gone");
    const guestId = (actor as { guestId: string }).guestId;
    await savePushSubscription(db, { actor, subscription: device(["talk"]), now });
    await savePushSubscription(db, { actor, subscription: device(["dropins"]), now });
    expect(await db.pushSubscription.count({ where: { guestId } })).toBe(2);
    expect(await forgetGuest(db, { guestId, now, aliasSecret: "s".repeat(32) })).toMatchObject({ ok: true });
    expect(await db.pushSubscription.count({ where: { guestId } })).toBe(0);
  });

  it("erasing an account removes its devices' subscriptions", async () => {
    const { actor, id } = await volunteer("Erin");
    const sub = device(["offers", "rota"]);
    await savePushSubscription(db, { actor, subscription: sub, now });
    const r = await erasePerson(db, {
      personId: id,
      now,
      timeZone: "Europe/London",
      origin: "http://localhost:3000",
      aliasSecret: "s".repeat(32),
    });
    expect(r).toMatchObject({ ok: true });
    expect(await pushSubscriptionStatus(db, sub.endpoint)).toBeNull();
  });
});

describe("drop-in pushes", () => {
  async function occurrenceAt(startsAt: Date) {
    const lead = await db.person.create({
      data: { displayName: "Lead Push", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const series = await db.dropInSeries.create({
      data: {
        title: "Lone working at night",
        theme: "Lone working",
        description: "x",
        capacity: 6,
        durationMinutes: 60,
        rrule: "FREQ=WEEKLY;BYDAY=TU",
        startsOnLocal: "2026-11-24T23:00:00",
        facilitatorId: lead.id,
      },
    });
    return db.dropInOccurrence.create({
      data: {
        seriesId: series.id,
        originalStart: startsAt,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        title: series.title,
        theme: series.theme,
        description: series.description,
        capacity: 6,
        facilitatorId: lead.id,
      },
    });
  }

  it("a device that counted itself in hears once that its drop-in opens in 10 minutes, and once if it is cancelled", async () => {
    const occ = await occurrenceAt(new Date(now.getTime() + 25 * 60_000));
    const actor = await guestActor("Counted");
    const counted = device(["dropins"]);
    await savePushSubscription(db, { actor, subscription: counted, now, browserKey: "bk-counted" });
    // Another device of someone who did not count in, and one that did but chose only the talk line.
    await savePushSubscription(db, {
      actor: await guestActor("Other"),
      subscription: device(["dropins"]),
      now,
      browserKey: "bk-other",
    });
    await savePushSubscription(db, {
      actor: await guestActor("Talk"),
      subscription: device(["talk"]),
      now,
      browserKey: "bk-talk",
    });
    await db.attendanceIntent.createMany({
      data: [
        { occurrenceId: occ.id, browserKey: "bk-counted" },
        { occurrenceId: occ.id, browserKey: "bk-talk" },
      ],
    });

    const at = (min: number) => new Date(now.getTime() + min * 60_000);
    expect(await claimDropInPushes(db, at(14))).toEqual([]); // 11 minutes before: not yet
    const soon = await claimDropInPushes(db, at(16));
    expect(soon).toEqual([
      {
        target: { endpoint: counted.endpoint, keys: counted.keys, discreet: true },
        message: { kind: "dropin-soon", occurrenceId: occ.id, title: "Lone working at night" },
      },
    ]);
    // Every node asks again a moment later: nothing more.
    expect(await Promise.all([claimDropInPushes(db, at(17)), claimDropInPushes(db, at(17))])).toEqual([[], []]);

    await db.dropInOccurrence.update({ where: { id: occ.id }, data: { status: "CANCELLED" } });
    const cancelled = await claimDropInPushes(db, at(18));
    expect(cancelled.map((p) => [p.target.endpoint, p.message.kind])).toEqual([[counted.endpoint, "dropin-cancelled"]]);
    expect(await claimDropInPushes(db, at(19))).toEqual([]);
  });

  it("an account that asked for a reminder for the series hears it on its devices", async () => {
    const occ = await occurrenceAt(new Date(now.getTime() + 5 * 60_000));
    const { actor, id } = await volunteer("Remi");
    const phone = device(["dropins"]);
    await savePushSubscription(db, { actor, subscription: phone, now });
    await db.reminderRequest.create({ data: { personId: id, seriesId: occ.seriesId } });
    const pushes = await claimDropInPushes(db, now);
    expect(pushes.filter((p) => p.target.endpoint === phone.endpoint).map((p) => p.message.kind)).toEqual([
      "dropin-soon",
    ]);
  });
});
