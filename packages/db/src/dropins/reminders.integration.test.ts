import { beforeAll, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { erasePerson } from "../people/account.js";
import type { Actor } from "@offshift/core";
import {
  DROPIN_REMINDER_REFUSALS,
  cancelDropInReminder,
  enqueueDueDropInReminders,
  dropInReminderStatus,
  requestDropInReminder,
  type DropInReminderRefusalCode,
} from "./reminders.js";
import { alertUnopenedSessions } from "./room.js";

let db: TestPrisma;
let other: TestPrisma;
let facilitatorId: string;
let coordinatorIds: string[];

const OPTS = { timeZone: "Europe/London", origin: "https://offshift.example/" };
const MIN = 60_000;

const database = useTestDatabase("reminders");

/** A signed-in worker asking for reminders (the use case reads their email itself). */
const account = (personId: string) =>
  ({ kind: "person", personId, roles: ["WORKER"], status: "APPROVED" }) as const satisfies Actor;

beforeAll(async () => {
  db = database.client();
  other = database.client();
  facilitatorId = (await person("Rosa Lead", "rosa@test.example", ["FACILITATOR"])).id;
  coordinatorIds = [
    (await person("Priya Coordinator", "priya@test.example", ["COORDINATOR"])).id,
    (await person("Sam Coordinator", "sam@test.example", ["COORDINATOR", "VOLUNTEER"])).id,
  ];
  // Coordinators who must never be mailed.
  await person("Suspended Coordinator", "gone@test.example", ["COORDINATOR"], "SUSPENDED");
  await db.person.create({
    data: { displayName: "Former volunteer", roles: ["COORDINATOR"], status: "APPROVED", erasedAt: new Date() },
  });
});

let n = 0;
function person(
  displayName: string,
  email: string | null,
  roles: ("WORKER" | "VOLUNTEER" | "FACILITATOR" | "COORDINATOR")[] = ["WORKER"],
  status: "APPROVED" | "SUSPENDED" | "APPLIED" = "APPROVED",
) {
  return db.person.create({ data: { displayName, email, roles, status } });
}
const worker = (label = "w") => person(`Tired Worker ${label}`, `${label}-${++n}@test.example`);

async function series(opts: { backupFacilitatorId?: string } = {}) {
  return db.dropInSeries.create({
    data: {
      title: `Lone working at night ${++n}`,
      theme: "Lone working",
      description: "Test series",
      capacity: 10,
      durationMinutes: 60,
      rrule: "FREQ=DAILY",
      startsOnLocal: "2026-01-01T22:00:00",
      facilitatorId,
      backupFacilitatorId: opts.backupFacilitatorId ?? null,
    },
  });
}

async function occurrence(
  s: { id: string; title: string },
  startsAt: Date,
  extra: { status?: "SCHEDULED" | "CANCELLED"; openedAt?: Date } = {},
) {
  return db.dropInOccurrence.create({
    data: {
      seriesId: s.id,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 60 * MIN),
      title: s.title,
      theme: "Lone working",
      description: "Test",
      capacity: 10,
      facilitatorId,
      status: extra.status ?? "SCHEDULED",
      openedAt: extra.openedAt ?? null,
    },
  });
}

const outboxFor = (occurrenceId: string) =>
  db.outboxMail.findMany({ where: { dedupeKey: { contains: `:${occurrenceId}` } }, orderBy: { to: "asc" } });

describe("requestDropInReminder / cancelDropInReminder / dropInReminderStatus", () => {
  it("saves one request per scope, even when asked twice at once, and takes each back", async () => {
    const s = await series();
    const occ = await occurrence(s, new Date("2026-12-01T22:00:00Z"));
    const w = await worker();
    const now = new Date("2026-11-30T12:00:00Z");
    expect(await dropInReminderStatus(db, w.id, occ.id)).toEqual({ occurrence: false, series: false });

    const both = await Promise.all([
      requestDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "occurrence", now }),
      requestDropInReminder(other, account(w.id), { occurrenceId: occ.id, scope: "occurrence", now }),
      requestDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "series", now }),
      requestDropInReminder(other, account(w.id), { occurrenceId: occ.id, scope: "series", now }),
    ]);
    expect(both.every((r) => r.ok)).toBe(true);
    expect(await db.reminderRequest.count({ where: { personId: w.id } })).toBe(2);
    expect(await dropInReminderStatus(db, w.id, occ.id)).toEqual({ occurrence: true, series: true });
    const rows = await db.reminderRequest.findMany({ where: { personId: w.id }, orderBy: { createdAt: "asc" } });
    expect(rows.every((r) => r.seriesId === s.id && r.leadMinutes === 30)).toBe(true);

    // Another session of the series is covered by the series-wide request only.
    const next = await occurrence(s, new Date("2026-12-02T22:00:00Z"));
    expect(await dropInReminderStatus(db, w.id, next.id)).toEqual({ occurrence: false, series: true });

    expect(await cancelDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "series" })).toEqual({
      ok: true,
      status: { occurrence: true, series: false },
      effects: [],
    });
    expect(await cancelDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "occurrence" })).toEqual({
      ok: true,
      status: { occurrence: false, series: false },
      effects: [],
    });
    expect(await db.reminderRequest.count({ where: { personId: w.id } })).toBe(0);
    // Someone else's requests are untouched by my cancel.
    const w2 = await worker();
    await requestDropInReminder(db, account(w2.id), { occurrenceId: occ.id, scope: "occurrence", now });
    await cancelDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "occurrence" });
    expect(await dropInReminderStatus(db, w2.id, occ.id)).toEqual({ occurrence: true, series: false });
  });

  it("refuses unknown, cancelled and finished sessions and people without an email, saving nothing", async () => {
    const s = await series();
    const now = new Date("2026-11-30T12:00:00Z");
    const cancelled = await occurrence(s, new Date("2026-12-03T22:00:00Z"), { status: "CANCELLED" });
    const ended = await occurrence(s, new Date("2026-11-29T22:00:00Z"));
    const fine = await occurrence(s, new Date("2026-12-04T22:00:00Z"));
    const w = await worker();
    const noEmail = await person("No Email Worker", null);
    const erased = await worker("erased");
    await erasePerson(db, {
      personId: erased.id,
      now: now,
      timeZone: "Europe/London",
      origin: "http://localhost",
      aliasSecret: "test-alias-secret-that-is-long-enough",
    });

    const ask = (personId: string, occurrenceId: string, scope: "occurrence" | "series" = "series") =>
      requestDropInReminder(db, account(personId), { occurrenceId, scope, now });
    const refused = (code: string) => ({
      ok: false,
      code,
      message: DROPIN_REMINDER_REFUSALS[code as DropInReminderRefusalCode],
    });
    expect(await ask(w.id, "00000000-0000-4000-8000-000000000000")).toEqual(refused("not_found"));
    expect(await ask(w.id, cancelled.id)).toEqual(refused("cancelled"));
    expect(await ask(w.id, ended.id, "occurrence")).toEqual(refused("ended"));
    expect(await ask(noEmail.id, fine.id)).toEqual(refused("no_email"));
    expect(await ask(erased.id, fine.id)).toEqual(refused("no_email"));
    expect(await ask("00000000-0000-4000-8000-000000000001", fine.id)).toEqual(refused("no_email"));
    // Only an active account: a guest, a visitor or a suspended account is refused before anything is read.
    for (const actor of [
      { kind: "guest", guestId: w.id },
      { kind: "visitor" },
      { ...account(w.id), status: "SUSPENDED" },
    ] as const) {
      expect(await requestDropInReminder(db, actor, { occurrenceId: fine.id, scope: "series", now })).toEqual(
        refused("forbidden"),
      );
      expect(await cancelDropInReminder(db, actor, { occurrenceId: fine.id, scope: "series" })).toEqual(
        refused("forbidden"),
      );
    }
    expect(await db.reminderRequest.count({ where: { seriesId: s.id } })).toBe(0);
    expect(
      await cancelDropInReminder(db, account(w.id), {
        occurrenceId: "00000000-0000-4000-8000-000000000000",
        scope: "series",
      }),
    ).toEqual(refused("not_found"));
  });
});

describe("enqueueDueDropInReminders", () => {
  it("queues one mail per person and session within the lead time, even with both kinds of request and concurrent runs", async () => {
    const s = await series();
    const startsAt = new Date("2026-12-10T22:00:00Z");
    const occ = await occurrence(s, startsAt);
    const laterSameSeries = await occurrence(s, new Date("2026-12-11T22:00:00Z"));
    const w = await worker("both");
    const before = new Date(startsAt.getTime() - 120 * MIN);
    await requestDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "occurrence", now: before });
    await requestDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "series", now: before });

    // 31 minutes before: not yet.
    expect(await enqueueDueDropInReminders(db, new Date(startsAt.getTime() - 31 * MIN), OPTS)).toBe(0);
    expect(await outboxFor(occ.id)).toHaveLength(0);

    // 30 minutes before, from three processes at once, and again a minute later.
    const now = new Date(startsAt.getTime() - 30 * MIN);
    const queued = await Promise.all([
      enqueueDueDropInReminders(db, now, OPTS),
      enqueueDueDropInReminders(other, now, OPTS),
      enqueueDueDropInReminders(db, new Date(now.getTime() + MIN), OPTS),
    ]);
    expect(queued.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await enqueueDueDropInReminders(db, new Date(now.getTime() + 5 * MIN), OPTS)).toBe(0);

    const mails = await outboxFor(occ.id);
    expect(mails).toHaveLength(1);
    const m = mails[0]!;
    expect(m.dedupeKey).toBe(`reminder:${w.id}:${occ.id}`);
    expect(m.to).toBe(w.email);
    expect(m.expiresAt).toEqual(startsAt);
    expect(m.subject).toBe(`Reminder: ${s.title}, Tonight at 22:00`);
    expect(m.text).toContain(`"${s.title}" starts tonight at 22:00.`);
    expect(m.text).toContain(`https://offshift.example/sessions/${occ.id}`);
    expect(m.text).toContain("every session of this series");
    expect(m.text).toMatch(/stop these reminders/i);
    expect(m.text).not.toContain("Tired Worker");
    expect(m.text).not.toContain("Rosa");

    // The next session of the series comes round the following night.
    expect(await outboxFor(laterSameSeries.id)).toHaveLength(0);
    expect(await enqueueDueDropInReminders(db, new Date(laterSameSeries.startsAt.getTime() - 10 * MIN), OPTS)).toBe(1);
    expect((await outboxFor(laterSameSeries.id)).map((x) => x.dedupeKey)).toEqual([
      `reminder:${w.id}:${laterSameSeries.id}`,
    ]);
  });

  it("labels an after-midnight session by its night, and mentions a single-session request as such", async () => {
    const s = await series();
    const startsAt = new Date("2026-12-16T00:30:00Z"); // Tuesday night, 00:30 in London
    const occ = await occurrence(s, startsAt);
    const w = await worker("single");
    await requestDropInReminder(db, account(w.id), { occurrenceId: occ.id, scope: "occurrence", now: new Date(0) });
    expect(await enqueueDueDropInReminders(db, new Date(startsAt.getTime() - 20 * MIN), OPTS)).toBe(1);
    const [m] = await outboxFor(occ.id);
    expect(m?.subject).toBe(`Reminder: ${s.title}, Tonight at 00:30`);
    expect(m?.text).toContain("starts tonight at 00:30");
    expect(m?.text).toContain("before this session.");
  });

  it("queues nothing for cancelled or started sessions, erased people or people without an email", async () => {
    const s = await series();
    const startsAt = new Date("2026-12-20T22:00:00Z");
    const occ = await occurrence(s, startsAt);
    const cancelledOcc = await occurrence(s, new Date("2026-12-20T22:10:00Z"));
    const erased = await worker("erased");
    const lost = await worker("lost-email");
    const late = await worker("late");
    const early = new Date(startsAt.getTime() - 3 * 60 * MIN);
    for (const p of [erased, lost, late]) {
      await requestDropInReminder(db, account(p.id), { occurrenceId: occ.id, scope: "series", now: early });
    }
    await db.dropInOccurrence.update({ where: { id: cancelledOcc.id }, data: { status: "CANCELLED" } });
    // Erased the hard way (the row stays, as erasePerson leaves it) and with the use case.
    await db.person.update({ where: { id: lost.id }, data: { email: null } });
    await db.person.update({ where: { id: erased.id }, data: { erasedAt: new Date() } });

    expect(await enqueueDueDropInReminders(db, new Date(startsAt.getTime() - 15 * MIN), OPTS)).toBe(1);
    expect((await outboxFor(occ.id)).map((m) => m.to)).toEqual([late.email]);
    expect(await outboxFor(cancelledOcc.id)).toHaveLength(0);

    // Once a session has started there is no point reminding anyone.
    const lateJoiner = await worker("after-start");
    await requestDropInReminder(db, account(lateJoiner.id), { occurrenceId: occ.id, scope: "occurrence", now: early });
    expect(await enqueueDueDropInReminders(db, startsAt, OPTS)).toBe(0);
    expect(await enqueueDueDropInReminders(db, new Date(startsAt.getTime() + MIN), OPTS)).toBe(0);
  });
});

describe("alertUnopenedSessions", () => {
  it("claims a started, unopened session once under concurrency and mails the backup facilitator", async () => {
    const backup = await person("Kwame Backup", "kwame@test.example", ["FACILITATOR"]);
    const s = await series({ backupFacilitatorId: backup.id });
    const startsAt = new Date("2027-01-05T22:00:00Z");
    const occ = await occurrence(s, startsAt);
    const notYet = await occurrence(s, new Date("2027-01-05T22:30:00Z"));

    expect(await alertUnopenedSessions(db, new Date(startsAt.getTime() - 1), OPTS)).toEqual([]);
    const now = new Date(startsAt.getTime() + 2 * MIN);
    const results = await Promise.all([
      alertUnopenedSessions(db, now, OPTS),
      alertUnopenedSessions(other, now, OPTS),
      alertUnopenedSessions(db, now, OPTS),
      alertUnopenedSessions(other, now, OPTS),
    ]);
    expect(results.flat()).toEqual([occ.id]);
    expect(await alertUnopenedSessions(db, new Date(now.getTime() + MIN), OPTS)).toEqual([]);

    const row = await db.dropInOccurrence.findUniqueOrThrow({ where: { id: occ.id } });
    expect(row.backupAlertedAt).toEqual(now);
    expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: notYet.id } })).backupAlertedAt).toBeNull();

    const mails = await outboxFor(occ.id);
    expect(mails.map((m) => [m.dedupeKey, m.to])).toEqual([[`room-alert:${occ.id}:${backup.id}`, backup.email]]);
    expect(mails[0]?.subject).toBe(`Room not opened: ${s.title}`);
    expect(mails[0]?.text).toContain(`https://offshift.example/sessions/${occ.id}`);
    expect(mails[0]?.text).toContain("backup facilitator");
    expect(mails[0]?.expiresAt).toEqual(row.endsAt);
  });

  it("mails every approved coordinator when there is no usable backup", async () => {
    const applied = await person("Applied Backup", "applied@test.example", ["FACILITATOR"], "APPLIED");
    const noBackup = await series();
    const badBackup = await series({ backupFacilitatorId: applied.id });
    const startsAt = new Date("2027-01-06T22:00:00Z");
    const a = await occurrence(noBackup, startsAt);
    const b = await occurrence(badBackup, new Date(startsAt.getTime() + 5 * MIN));
    const claimed = await alertUnopenedSessions(db, new Date(startsAt.getTime() + 10 * MIN), OPTS);
    expect(claimed.sort()).toEqual([a.id, b.id].sort());
    for (const occ of [a, b]) {
      const mails = await outboxFor(occ.id);
      expect(mails.map((m) => m.to)).toEqual(["priya@test.example", "sam@test.example"]);
      expect(mails.map((m) => m.dedupeKey).sort()).toEqual(
        coordinatorIds.map((id) => `room-alert:${occ.id}:${id}`).sort(),
      );
      expect(mails[0]?.text).toContain("no backup facilitator");
    }
  });

  it("skips opened, cancelled, finished and not-yet-started sessions", async () => {
    const s = await series();
    const startsAt = new Date("2027-01-07T22:00:00Z");
    const now = new Date(startsAt.getTime() + 5 * MIN);
    const opened = await occurrence(s, startsAt, { openedAt: new Date(startsAt.getTime() - MIN) });
    const cancelled = await occurrence(s, new Date(startsAt.getTime() + MIN), { status: "CANCELLED" });
    const finished = await occurrence(s, new Date(startsAt.getTime() - 61 * MIN));
    const future = await occurrence(s, new Date(startsAt.getTime() + 6 * MIN));
    expect(await alertUnopenedSessions(db, now, OPTS)).toEqual([]);
    for (const o of [opened, cancelled, finished, future]) {
      expect(await outboxFor(o.id)).toHaveLength(0);
      expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: o.id } })).backupAlertedAt).toBeNull();
    }
  });
});
