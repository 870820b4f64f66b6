import { beforeAll, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { erasePerson } from "../people/account.js";
import { useTestDatabase } from "../testing/per-file.js";
import { enqueueRotaSlotReminders } from "./reminders.js";

let db: TestPrisma;
let other: TestPrisma;

const OPTS = { timeZone: "Europe/London", origin: "https://offshift.example/" };
const MIN = 60_000;

const database = useTestDatabase("slotreminders");

beforeAll(async () => {
  db = database.client();
  other = database.client();
});

let n = 0;
const person = (name: string, extra: { status?: "APPROVED" | "SUSPENDED"; email?: string | null } = {}) =>
  db.person.create({
    data: {
      displayName: `${name} Test`,
      email: extra.email === undefined ? `${name.toLowerCase()}-${++n}@test.example` : extra.email,
      roles: ["VOLUNTEER"],
      status: extra.status ?? "APPROVED",
    },
  });

async function slot(startsAt: Date) {
  const t = await db.rotaTemplate.create({
    data: {
      name: `Talk line late ${++n}`,
      rrule: "FREQ=DAILY",
      startsOnLocal: "2030-01-01T21:30:00",
      durationMinutes: 180,
    },
  });
  return db.rotaSlot.create({
    data: { templateId: t.id, startsAt, endsAt: new Date(startsAt.getTime() + 180 * MIN) },
  });
}

const mailFor = (slotId: string) =>
  db.outboxMail.findMany({
    where: { dedupeKey: { startsWith: `slot-reminder:${slotId}:` } },
    orderBy: { dedupeKey: "asc" },
  });

describe("enqueueRotaSlotReminders", () => {
  it("queues the 24-hour and the 1-hour reminder exactly once each, with two enqueuers at once", async () => {
    const start = new Date("2030-03-05T21:30:00Z"); // Tuesday 21:30 in London (GMT)
    const s = await slot(start);
    const { name } = await db.rotaTemplate.findUniqueOrThrow({ where: { id: s.templateId } });
    const maria = await person("Maria");
    await db.rotaAssignment.create({ data: { slotId: s.id, personId: maria.id } });

    // More than a day ahead: nothing yet.
    expect(await enqueueRotaSlotReminders(db, new Date(start.getTime() - 25 * 60 * MIN), OPTS)).toBe(0);

    // 23 hours before, from two processes at once, several times.
    const dayBefore = new Date(start.getTime() - 23 * 60 * MIN);
    const counts = await Promise.all([
      enqueueRotaSlotReminders(db, dayBefore, OPTS),
      enqueueRotaSlotReminders(other, dayBefore, OPTS),
      enqueueRotaSlotReminders(db, dayBefore, OPTS),
      enqueueRotaSlotReminders(other, new Date(dayBefore.getTime() + 15_000), OPTS),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    let rows = await mailFor(s.id);
    expect(rows.map((r) => r.dedupeKey)).toEqual([`slot-reminder:${s.id}:${maria.id}:24h`]);
    expect(rows[0]).toMatchObject({
      to: maria.email,
      subject: `Reminder: ${name}, Tomorrow night at 21:30`,
      expiresAt: start,
    });
    expect(rows[0]!.text).toContain("21:30 to 00:30");
    expect(rows[0]!.text).toContain("https://offshift.example/rota");
    expect(rows[0]!.text).not.toContain("Maria");

    // 50 minutes before: the 1-hour reminder, once.
    const hourBefore = new Date(start.getTime() - 50 * MIN);
    const again = await Promise.all([
      enqueueRotaSlotReminders(db, hourBefore, OPTS),
      enqueueRotaSlotReminders(other, hourBefore, OPTS),
    ]);
    expect(again.reduce((a, b) => a + b, 0)).toBe(1);
    rows = await mailFor(s.id);
    expect(rows.map((r) => r.dedupeKey)).toEqual([
      `slot-reminder:${s.id}:${maria.id}:1h`,
      `slot-reminder:${s.id}:${maria.id}:24h`,
    ]);
    expect(rows[0]!.subject).toMatch(/^In an hour: /);
    // Once the slot has started: nothing more.
    expect(await enqueueRotaSlotReminders(db, new Date(start.getTime() + MIN), OPTS)).toBe(0);
    expect(await mailFor(s.id)).toHaveLength(2);
  });

  it("queues nothing for erased, suspended or email-less people", async () => {
    const start = new Date("2030-03-06T21:30:00Z");
    const s = await slot(start);
    const erased = await person("Gone");
    const suspended = await person("Paused", { status: "SUSPENDED" });
    const noEmail = await person("Quiet", { email: null });
    for (const p of [erased, suspended, noEmail])
      await db.rotaAssignment.create({ data: { slotId: s.id, personId: p.id } });
    await db.person.update({ where: { id: erased.id }, data: { erasedAt: new Date(), email: null } });
    expect(await enqueueRotaSlotReminders(db, new Date(start.getTime() - 2 * 60 * MIN), OPTS)).toBe(0);
    expect(await enqueueRotaSlotReminders(db, new Date(start.getTime() - 30 * MIN), OPTS)).toBe(0);
    expect(await mailFor(s.id)).toEqual([]);

    // The real erasure path too.
    const later = await person("Leaving");
    await db.rotaAssignment.create({ data: { slotId: s.id, personId: later.id } });
    await erasePerson(db, {
      personId: later.id,
      now: new Date(start.getTime() - 60 * MIN),
      timeZone: "Europe/London",
      origin: "http://localhost",
      aliasSecret: "test-alias-secret-that-is-long-enough",
    });
    expect(await enqueueRotaSlotReminders(db, new Date(start.getTime() - 30 * MIN), OPTS)).toBe(0);
  });
});
