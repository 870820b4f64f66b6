import { beforeAll, describe, expect, it } from "vitest";
import { SHIFT_PRESETS, type Actor, type PushSubscriptionInput, type Weekday } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { claimDropInPushes, savePushSubscription } from "../push/subscriptions.js";
import { useTestDatabase } from "../testing/per-file.js";
import { claimRotaPushes, type RotaPush } from "./pushes.js";
import { enqueueRotaSlotReminders } from "./reminders.js";
import { createApprovedVolunteer, offerCover, withdrawOffer } from "./moves.test-support.js";
import { savePreferences, saveWorkPattern } from "./volunteer.js";

// Every instant is passed in; January 2030 is GMT, so London wall time reads as UTC here.
const TZ = "Europe/London";
const OPTS = { timeZone: TZ, origin: "https://offshift.example/" };
const MIN = 60_000;
const at = (iso: string) => new Date(iso);

const database = useTestDatabase("rotapushes");
let db: TestPrisma;
let other: TestPrisma;

beforeAll(async () => {
  db = database.client();
  other = database.client();
});

let n = 0;
async function volunteer(name: string, works: { day: Weekday; shiftId: string }[], restHours?: number) {
  const p = await createApprovedVolunteer(db, name);
  const saved = await saveWorkPattern(db, {
    personId: p.id,
    shifts: [...SHIFT_PRESETS],
    builder: { cycleStartsOn: "2030-01-07", everyWeeks: 1, shifts: works.map((w) => ({ week: 1, ...w })), changes: [] },
  });
  expect(saved.ok).toBe(true);
  if (restHours !== undefined)
    await savePreferences(db, { personId: p.id, preferences: { windows: [], restAfterShiftMinutes: restHours * 60 } });
  const actor: Actor = { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" };
  const sub: PushSubscriptionInput = {
    endpoint: `https://push.example.org/send/rota-${++n}`,
    keys: { p256dh: Buffer.alloc(65, n).toString("base64url"), auth: Buffer.alloc(16, n).toString("base64url") },
    topics: ["rota"],
    discreet: true,
  };
  expect((await savePushSubscription(db, { actor, subscription: sub, now: at("2030-01-01T12:00:00Z") })).ok).toBe(true);
  return { ...p, endpoint: sub.endpoint };
}

/** A daily slot template and its materialised slot on `startsAt` (as the horizon job makes it). */
async function slot(name: string, startsAt: Date, minutes = 120) {
  const hhmm = startsAt.toISOString().slice(11, 16);
  const t = await db.rotaTemplate.create({
    data: {
      name,
      rrule: "FREQ=DAILY",
      startsOnLocal: `2030-01-01T${hhmm}:00`,
      durationMinutes: minutes,
      maxVolunteers: 2,
    },
  });
  return db.rotaSlot.create({
    data: { templateId: t.id, startsAt, endsAt: new Date(startsAt.getTime() + minutes * MIN) },
  });
}

const claim = (now: Date, client: TestPrisma = db) => claimRotaPushes(client, now, { timeZone: TZ });
const forPerson = (pushes: RotaPush[], personId: string) => pushes.filter((p) => p.personId === personId);

describe("rota pushes and quiet hours", () => {
  it("a volunteer who worked a night until 07:00 with 8 h rest gets no rota push or mail before 15:00, and gets them after", async () => {
    // Maria works Monday nights (22:00-07:00) and rests 8 hours. Dan works earlies on Fridays: never quiet.
    const maria = await volunteer("Maria", [{ day: "MO", shiftId: "night" }], 8);
    const dan = await volunteer("Dan", [{ day: "FR", shiftId: "early" }]);
    const ben = await volunteer("Ben", [{ day: "SA", shiftId: "early" }]);
    // Wednesday 16 January 10:00: Maria and Dan are on it; its 24-hour reminder falls due on Tuesday at 10:00.
    const wednesday = await slot("Talk line morning", at("2030-01-16T10:00:00Z"));
    await db.rotaAssignment.createMany({
      data: [
        { slotId: wednesday.id, personId: maria.id },
        { slotId: wednesday.id, personId: dan.id },
      ],
    });
    // Ben asks for cover for Thursday 13:00 on Tuesday at 08:00: it fits Maria and Dan.
    const thursday = await slot("Split-shift gap", at("2030-01-17T13:00:00Z"));
    await db.rotaAssignment.create({ data: { slotId: thursday.id, personId: ben.id } });
    const offer = await offerCover(db, { personId: ben.id, slotId: thursday.id, now: at("2030-01-15T08:00:00Z") });
    expect(offer.ok).toBe(true);

    // Tuesday 10:00 to 14:59: Dan hears of both at once, Maria of nothing (pushes and mail alike).
    const ten = at("2030-01-15T10:00:00Z");
    const first = await claim(ten);
    expect(
      forPerson(first, dan.id)
        .map((p) => p.message.kind)
        .sort(),
    ).toEqual(["rota-cover", "rota-reminder"]);
    expect(forPerson(first, maria.id)).toEqual([]);
    expect(forPerson(first, ben.id)).toEqual([]);
    await enqueueRotaSlotReminders(db, ten, OPTS);
    const mailTo = async (email: string) =>
      db.outboxMail.count({ where: { to: email, dedupeKey: { startsWith: `slot-reminder:${wednesday.id}:` } } });
    expect(await mailTo(dan.email!)).toBe(1);
    expect(await mailTo(maria.email!)).toBe(0);
    for (const t of ["2030-01-15T07:00:00Z", "2030-01-15T12:00:00Z", "2030-01-15T14:59:59Z"]) {
      expect(forPerson(await claim(at(t)), maria.id)).toEqual([]);
      await enqueueRotaSlotReminders(db, at(t), OPTS);
      expect(await mailTo(maria.email!)).toBe(0);
    }

    // 15:00: quiet hours are over. Two nodes at once: each push is claimed once.
    const three = at("2030-01-15T15:00:00Z");
    const both = [...(await Promise.all([claim(three), claim(three, other)]))].flat();
    const toMaria = forPerson(both, maria.id);
    expect(toMaria.map((p) => p.message).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      {
        kind: "rota-cover",
        offerId: offer.ok ? offer.offerId : "",
        name: "Split-shift gap",
        when: "Thursday at 13:00",
      },
      {
        kind: "rota-reminder",
        slotId: wednesday.id,
        name: "Talk line morning",
        when: "Wednesday at 10:00",
        lead: "24h",
      },
    ]);
    expect(toMaria.every((p) => p.targets.length === 1 && p.targets[0]!.endpoint === maria.endpoint)).toBe(true);
    expect(toMaria.every((p) => p.targets[0]!.discreet)).toBe(true);
    expect(forPerson(both, dan.id)).toEqual([]);
    await Promise.all([enqueueRotaSlotReminders(db, three, OPTS), enqueueRotaSlotReminders(other, three, OPTS)]);
    expect(await mailTo(maria.email!)).toBe(1);

    // Nothing twice, and the drop-in job's cleanup leaves rota keys alone.
    await claimDropInPushes(db, at("2030-01-15T15:01:00Z"));
    expect(await claim(at("2030-01-15T15:01:00Z"))).toEqual([]);
  });

  it("what goes stale during quiet hours is never sent: a slot that started, a cover request withdrawn", async () => {
    const ana = await volunteer("Ana", [{ day: "MO", shiftId: "night" }], 8);
    const eve = await volunteer("Eve", [{ day: "SU", shiftId: "early" }]);
    // Ana is on Tuesday 12:00: its 1-hour reminder falls due at 11:00, inside her quiet hours.
    const noon = await slot("Talk line lunch", at("2030-01-22T12:00:00Z"));
    await db.rotaAssignment.create({ data: { slotId: noon.id, personId: ana.id } });
    // Eve asks for cover for Wednesday 18:00 at 09:00 and withdraws it at 14:00.
    const evening = await slot("Talk line evening", at("2030-01-23T18:00:00Z"));
    await db.rotaAssignment.create({ data: { slotId: evening.id, personId: eve.id } });
    const offer = await offerCover(db, { personId: eve.id, slotId: evening.id, now: at("2030-01-22T09:00:00Z") });
    if (!offer.ok) throw new Error(offer.message);

    expect(forPerson(await claim(at("2030-01-22T11:00:00Z")), ana.id)).toEqual([]);
    expect(
      (await withdrawOffer(db, { personId: eve.id, offerId: offer.offerId, now: at("2030-01-22T14:00:00Z") })).ok,
    ).toBe(true);
    expect(forPerson(await claim(at("2030-01-22T15:00:00Z")), ana.id)).toEqual([]);
    await enqueueRotaSlotReminders(db, at("2030-01-22T15:00:00Z"), OPTS);
    expect(await db.outboxMail.count({ where: { dedupeKey: { startsWith: `slot-reminder:${noon.id}:` } } })).toBe(0);
  });

  it("a cover request reaches only volunteers it fits: not the asker, not someone on it, not someone at work", async () => {
    const asker = await volunteer("Asker", [{ day: "SU", shiftId: "early" }]);
    const already = await volunteer("Already", [{ day: "SU", shiftId: "early" }]);
    const working = await volunteer("Working", [{ day: "TH", shiftId: "long-day" }]);
    const free = await volunteer("Free", [{ day: "SU", shiftId: "early" }]);
    const s = await slot("Talk line afternoon", at("2030-01-31T15:00:00Z")); // Thursday
    await db.rotaAssignment.createMany({
      data: [
        { slotId: s.id, personId: asker.id },
        { slotId: s.id, personId: already.id },
      ],
    });
    const offer = await offerCover(db, { personId: asker.id, slotId: s.id, now: at("2030-01-29T09:00:00Z") });
    expect(offer.ok).toBe(true);
    const pushes = (await claim(at("2030-01-29T09:00:15Z"))).filter((p) => p.message.kind === "rota-cover");
    const told = new Set(pushes.map((p) => p.personId));
    expect(told.has(free.id)).toBe(true);
    expect(told.has(asker.id) || told.has(already.id) || told.has(working.id)).toBe(false);
  });
});
