import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { setAttendanceIntent } from "./mutations.js";
import { findOccurrence, listTonightShared, listUpcomingOccurrences, occurrencesCountedIn } from "./queries.js";

let db: TestPrisma;
let drop: () => Promise<void>;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "tonight");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

/** A pinned instant: every time in these tests is relative to it, never to the real clock. */
const NOW = new Date("2026-03-10T21:00:00Z");
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

async function person(displayName: string) {
  return db.person.create({ data: { displayName, roles: ["FACILITATOR"], status: "APPROVED" } });
}

/** One series with its facilitator and backup, and occurrences made by `occurrence`. */
async function series(opts: { backupId?: string | null } = {}) {
  const facilitator = await person("Rosa Fictional");
  const s = await db.dropInSeries.create({
    data: {
      title: "Lone working at night",
      theme: "Lone working at night",
      description: "Test series",
      capacity: 10,
      durationMinutes: 60,
      rrule: "FREQ=DAILY",
      startsOnLocal: "2026-01-06T22:00:00",
      facilitatorId: facilitator.id,
      backupFacilitatorId: opts.backupId ?? null,
    },
  });
  return {
    series: s,
    occurrence: (startMinutes: number, extra: { facilitatorId?: string; status?: "SCHEDULED" | "CANCELLED" } = {}) =>
      db.dropInOccurrence.create({
        data: {
          seriesId: s.id,
          originalStart: at(startMinutes),
          startsAt: at(startMinutes),
          endsAt: at(startMinutes + 60),
          title: `Session at ${startMinutes}`,
          theme: "Lone working at night",
          description: "Test",
          capacity: 10,
          ...extra,
        },
      }),
  };
}

describe("listTonightShared (plain SQL on the client's pool)", () => {
  it("names the occurrence's own facilitator over the series', and the backup only when it is someone else", async () => {
    const backup = await person("Bea Backup");
    const { occurrence } = await series({ backupId: backup.id });
    const plain = await occurrence(10);
    const covered = await occurrence(20, { facilitatorId: (await person("Cal Cover")).id });
    const byBackup = await occurrence(30, { facilitatorId: backup.id });
    const rows = await listTonightShared(db, { from: NOW, until: at(40) });
    const byId = new Map(rows.map((r) => [r.occurrenceId, r]));
    expect(byId.get(plain.id)).toMatchObject({ facilitatorFirstName: "Rosa", backupFirstName: "Bea" });
    expect(byId.get(covered.id)).toMatchObject({ facilitatorFirstName: "Cal", backupFirstName: "Bea" });
    // The backup runs it: the coordinators are told if they are late, not the backup about themselves.
    expect(byId.get(byBackup.id)).toMatchObject({ facilitatorFirstName: "Bea", backupFirstName: null });
  });

  it("keeps what has not ended and starts before `until`, soonest first, and leaves out cancelled ones", async () => {
    const { occurrence } = await series();
    const ended = await occurrence(-61);
    const running = await occurrence(-30);
    const later = await occurrence(600);
    const cancelled = await occurrence(100, { status: "CANCELLED" });
    const tooFar = await occurrence(2000);
    const ids = (await listTonightShared(db, { from: NOW, until: at(1000) })).map((r) => r.occurrenceId);
    expect(ids.indexOf(running.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(later.id)).toBeGreaterThan(ids.indexOf(running.id));
    for (const gone of [ended, cancelled, tooFar]) expect(ids).not.toContain(gone.id);
  });

  it("counts who plans to come, says which this identity counted in, and reads who is in the live room", async () => {
    const { occurrence } = await series();
    const mine = await occurrence(5);
    const other = await occurrence(15);
    for (const guestId of ["a", "b"])
      await setAttendanceIntent(db, { kind: "guest", guestId }, { occurrenceId: mine.id, intent: "join", now: NOW });
    await setAttendanceIntent(
      db,
      { kind: "guest", guestId: "b" },
      { occurrenceId: other.id, intent: "join", now: NOW },
    );
    await db.liveRoom.create({
      data: {
        occurrenceId: mine.id,
        state: {
          phase: "open",
          locked: true,
          members: [{ facilitator: true }, { facilitator: false }, { facilitator: false }],
        },
      },
    });
    const rows = await listTonightShared(db, { from: NOW, until: at(20) });
    expect(rows.find((r) => r.occurrenceId === mine.id)).toMatchObject({
      planning: 2,
      room: { workers: 2, facilitators: 1, locked: true },
    });
    expect(rows.find((r) => r.occurrenceId === other.id)).toMatchObject({ planning: 1, room: null });
    expect([...(await occurrencesCountedIn(db, "guest:a", [mine.id, other.id]))]).toEqual([mine.id]);
    expect(await occurrencesCountedIn(db, "guest:a", [])).toEqual(new Set());
    const forA = await listUpcomingOccurrences(db, { now: NOW, days: 1, identityKey: "guest:a" });
    expect(forA.find((r) => r.occurrenceId === mine.id)?.planningFromHere).toBe(true);
    expect(forA.find((r) => r.occurrenceId === other.id)?.planningFromHere).toBe(false);
  });
});

describe("findOccurrence (plain SQL on the client's pool)", () => {
  it("returns one occurrence with who may open it, cancelled ones said so, and null for an unknown id", async () => {
    const backup = await person("Bea Backup");
    const cover = await person("Cal Cover");
    const { series: s, occurrence } = await series({ backupId: backup.id });
    const covered = await occurrence(10, { facilitatorId: cover.id, status: "CANCELLED" });
    await setAttendanceIntent(
      db,
      { kind: "guest", guestId: "g" },
      {
        occurrenceId: (await occurrence(20)).id,
        intent: "join",
        now: NOW,
      },
    );
    const found = await findOccurrence(db, covered.id);
    expect(found).toMatchObject({
      occurrenceId: covered.id,
      seriesId: s.id,
      roomStyle: "OPEN",
      cancelled: true,
      facilitatorFirstName: "Cal",
      backupFirstName: "Bea",
      planning: 0,
      room: null,
      openedAt: null,
    });
    expect(found!.runnerIds).toEqual([cover.id, s.facilitatorId, backup.id]);
    expect(found!.startsAt).toEqual(at(10));
    expect(await findOccurrence(db, "00000000-0000-4000-8000-000000000000")).toBeNull();
  });
});
