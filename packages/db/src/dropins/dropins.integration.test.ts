import { beforeAll, describe, expect, it } from "vitest";
import { wallTimeAt, type Actor } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { materializeOccurrences } from "./materialize.js";
import { listUpcomingOccurrences } from "./queries.js";
import { setAttendanceIntent } from "./mutations.js";

let db: TestPrisma;

const database = useTestDatabase("dropins");

beforeAll(async () => {
  db = database.client();
});

async function makeSeries(overrides: Partial<{ rrule: string; startsOnLocal: string; durationMinutes: number }> = {}) {
  const facilitator = await db.person.create({
    data: { displayName: "Rosa Fictional Facilitator", roles: ["FACILITATOR"], status: "APPROVED" },
  });
  return db.dropInSeries.create({
    data: {
      title: "Lone working at night",
      theme: "Lone working at night",
      description: "Test series",
      capacity: 10,
      durationMinutes: overrides.durationMinutes ?? 60,
      rrule: overrides.rrule ?? "FREQ=WEEKLY;BYDAY=TU,TH",
      startsOnLocal: overrides.startsOnLocal ?? "2026-01-06T22:00:00",
      facilitatorId: facilitator.id,
    },
  });
}

describe("materializeOccurrences", () => {
  it("stores a weekly 22:00 London session at 22:00 local across the October clock change, idempotently", async () => {
    const series = await makeSeries();
    const from = new Date("2026-10-13T00:00:00Z");
    const first = await materializeOccurrences(db, series.id, from, 21);
    const again = await materializeOccurrences(db, series.id, from, 21);
    expect(first).toBe(6);
    expect(again).toBe(0);
    const rows = await db.dropInOccurrence.findMany({ where: { seriesId: series.id }, orderBy: { startsAt: "asc" } });
    expect(rows.map((r) => r.startsAt.toISOString())).toEqual([
      "2026-10-13T21:00:00.000Z",
      "2026-10-15T21:00:00.000Z",
      "2026-10-20T21:00:00.000Z",
      "2026-10-22T21:00:00.000Z",
      "2026-10-27T22:00:00.000Z", // after the clocks go back: still 22:00 local
      "2026-10-29T22:00:00.000Z",
    ]);
    for (const r of rows) expect(wallTimeAt(r.startsAt, "Europe/London").hour).toBe(22);
  });
});

describe("Tonight listing and attendance intent", () => {
  it("lists only scheduled, unfinished sessions with the facilitator's first name only", async () => {
    const series = await makeSeries({ rrule: "FREQ=DAILY", startsOnLocal: "2026-11-01T22:00:00" });
    const now = new Date("2026-11-24T21:50:00Z");
    await materializeOccurrences(db, series.id, new Date("2026-11-23T00:00:00Z"), 5);
    const cancelled = await db.dropInOccurrence.findFirstOrThrow({
      where: { seriesId: series.id, startsAt: new Date("2026-11-25T22:00:00Z") },
    });
    await db.dropInOccurrence.update({ where: { id: cancelled.id }, data: { status: "CANCELLED" } });

    const items = (await listUpcomingOccurrences(db, { now, days: 3 })).filter((i) => i.title === series.title);
    const starts = items.map((i) => i.startsAt.toISOString());
    expect(starts).toContain("2026-11-24T22:00:00.000Z");
    expect(starts).not.toContain("2026-11-23T22:00:00.000Z"); // ended
    expect(starts).not.toContain("2026-11-25T22:00:00.000Z"); // cancelled
    expect(items.every((i) => i.facilitatorFirstName === "Rosa")).toBe(true);
  });

  it("records intent once per identity even when clicked twice at once (two tabs), and withdraws it; the table never holds the identity", async () => {
    const series = await makeSeries({ rrule: "FREQ=DAILY", startsOnLocal: "2026-11-01T23:00:00" });
    await materializeOccurrences(db, series.id, new Date("2026-11-24T00:00:00Z"), 2);
    const occ = await db.dropInOccurrence.findFirstOrThrow({
      where: { seriesId: series.id },
      orderBy: { startsAt: "asc" },
    });
    const now = new Date("2026-11-24T20:00:00Z");
    const guest: Actor = { kind: "guest", guestId: "8b0f6a52-5a0e-4c7e-9c1d-2f4b6a8c0e11" };
    const person: Actor = {
      kind: "person",
      personId: "1c2d3e4f-5a0e-4c7e-9c1d-2f4b6a8c0e11",
      roles: ["WORKER"],
      status: "APPROVED",
    };

    const results = await Promise.all(
      Array.from({ length: 8 }, () => setAttendanceIntent(db, guest, { occurrenceId: occ.id, intent: "join", now })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    await setAttendanceIntent(db, person, { occurrenceId: occ.id, intent: "join", now });
    expect(await db.attendanceIntent.count({ where: { occurrenceId: occ.id } })).toBe(2);

    const left = await setAttendanceIntent(db, guest, { occurrenceId: occ.id, intent: "leave", now });
    expect(left).toEqual({
      ok: true,
      occurrenceId: occ.id,
      planning: 1,
      planningFromHere: false,
      // Open Tonight pages hear the new count.
      effects: [{ kind: "attendanceChanged", change: { occurrenceId: occ.id, planning: 1 } }],
    });

    const listed = await listUpcomingOccurrences(db, {
      now,
      days: 1,
      identityKey: "person:1c2d3e4f-5a0e-4c7e-9c1d-2f4b6a8c0e11",
    });
    const mine = listed.find((i) => i.occurrenceId === occ.id)!;
    expect(mine.planning).toBe(1);
    expect(mine.planningFromHere).toBe(true);
    const stored = await db.attendanceIntent.findMany({
      where: { occurrenceId: occ.id },
      select: { browserKey: true },
    });
    expect(stored.map((r) => r.browserKey).join()).not.toMatch(/guest|person|1c2d3e4f/);
  });

  it("refuses unknown, cancelled and finished sessions without changing anything", async () => {
    const series = await makeSeries({ rrule: "FREQ=DAILY", startsOnLocal: "2026-11-01T21:00:00" });
    await materializeOccurrences(db, series.id, new Date("2026-11-24T00:00:00Z"), 2);
    const [a, b] = await db.dropInOccurrence.findMany({ where: { seriesId: series.id }, orderBy: { startsAt: "asc" } });
    await db.dropInOccurrence.update({ where: { id: b!.id }, data: { status: "CANCELLED" } });
    const guest: Actor = { kind: "guest", guestId: "9c1d2f4b-5a0e-4c7e-9c1d-2f4b6a8c0e11" };
    const before = await db.attendanceIntent.count();

    expect(
      await setAttendanceIntent(db, guest, {
        occurrenceId: "00000000-0000-4000-8000-000000000000",
        intent: "join",
        now: new Date("2026-11-24T12:00:00Z"),
      }),
    ).toEqual({ ok: false, code: "not_found", message: "That session could not be found." });
    expect(
      await setAttendanceIntent(db, guest, {
        occurrenceId: b!.id,
        intent: "join",
        now: new Date("2026-11-24T12:00:00Z"),
      }),
    ).toEqual({ ok: false, code: "cancelled", message: "That session has been cancelled." });
    expect(
      await setAttendanceIntent(db, guest, {
        occurrenceId: a!.id,
        intent: "join",
        now: new Date("2026-11-26T12:00:00Z"),
      }),
    ).toEqual({ ok: false, code: "ended", message: "That session has already finished." });
    expect(await db.attendanceIntent.count()).toBe(before);
  });

  it("counts only a guest or an active account: a visitor or a suspended account is asked for a nickname, and nothing is counted", async () => {
    const series = await makeSeries({ rrule: "FREQ=DAILY", startsOnLocal: "2026-11-01T21:00:00" });
    await materializeOccurrences(db, series.id, new Date("2026-11-24T00:00:00Z"), 1);
    const occ = await db.dropInOccurrence.findFirstOrThrow({ where: { seriesId: series.id } });
    const now = new Date("2026-11-24T12:00:00Z");
    const suspended: Actor = {
      kind: "person",
      personId: "2d3e4f5a-5a0e-4c7e-9c1d-2f4b6a8c0e11",
      roles: ["WORKER"],
      status: "SUSPENDED",
    };
    for (const actor of [{ kind: "visitor" } as const, suspended])
      expect(await setAttendanceIntent(db, actor, { occurrenceId: occ.id, intent: "join", now })).toEqual({
        ok: false,
        code: "forbidden",
        message: "Choose a nickname first, so you are counted once.",
      });
    expect(await db.attendanceIntent.count({ where: { occurrenceId: occ.id } })).toBe(0);
  });
});
