import { beforeAll, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { mayHoldSession, maySendSignInLink } from "../people/sign-in.js";
import {
  findSeries,
  listApprovedFacilitators,
  listSeriesFacilitatedBy,
  seriesAttendanceSince,
} from "./facilitating.js";

let db: TestPrisma;
const NOW = new Date("2026-11-30T12:00:00Z");
const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000);

const database = useTestDatabase("facilitating");

beforeAll(async () => {
  db = database.client();
});

const person = (
  displayName: string,
  extra: Partial<{ status: "APPROVED" | "APPLIED"; erasedAt: Date; email: string }> = {},
) => db.person.create({ data: { displayName, roles: ["FACILITATOR"], status: "APPROVED", ...extra } });

async function series(title: string, facilitatorId: string, backupFacilitatorId: string | null = null) {
  return db.dropInSeries.create({
    data: {
      title,
      theme: "Nights",
      description: "A fictional drop-in",
      capacity: 8,
      durationMinutes: 60,
      rrule: "FREQ=DAILY",
      startsOnLocal: "2026-11-01T22:00:00",
      facilitatorId,
      backupFacilitatorId,
    },
  });
}
const occurrence = (seriesId: string, title: string, startsAt: Date, facilitatorId: string | null) =>
  db.dropInOccurrence.create({
    data: {
      seriesId,
      title,
      theme: "Nights",
      description: "A fictional drop-in",
      capacity: 8,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      facilitatorId,
    },
  });

describe("facilitator read models", () => {
  it("lists the series a person leads, backs up or stands in for, with only the sessions in the window", async () => {
    const rosa = await person("Rosa Lead");
    const ben = await person("Ben Backup");
    const sue = await person("Sue Standin");
    const led = await series("B led", rosa.id, ben.id);
    const other = await series("A other", sue.id);
    await series("C unrelated", sue.id);
    await occurrence(led.id, "ended", hours(-3), rosa.id);
    const soon = await occurrence(led.id, "soon", hours(2), rosa.id);
    await occurrence(led.id, "too far", hours(24 * 15), rosa.id);
    const standIn = await occurrence(other.id, "stand-in", hours(5), rosa.id);

    const mine = await listSeriesFacilitatedBy(db, { personId: rosa.id, now: NOW, days: 14 });
    expect(mine.map((s) => [s.title, s.occurrences.map((o) => o.id)])).toEqual([
      ["A other", [standIn.id]],
      ["B led", [soon.id]],
    ]);
    expect(mine[1]!.occurrences[0]!.facilitator).toEqual({ displayName: "Rosa Lead" });
    expect((await listSeriesFacilitatedBy(db, { personId: ben.id, now: NOW, days: 14 })).map((s) => s.title)).toEqual([
      "B led",
    ]);
    expect((await findSeries(db, led.id))?.backupFacilitatorId).toBe(ben.id);
    expect(await findSeries(db, "00000000-0000-4000-8000-000000000000")).toBeNull();
  });

  it("offers only approved, not erased facilitators, in name order, leaving out the one asked", async () => {
    const before = (await listApprovedFacilitators(db)).map((p) => p.displayName);
    const zed = await person("Zed Approved");
    await person("Zz Applied", { status: "APPLIED" });
    await person("Zzz Erased", { erasedAt: NOW });
    const all = (await listApprovedFacilitators(db)).map((p) => p.displayName);
    expect(all).toEqual([...before, "Zed Approved"].sort((a, b) => a.localeCompare(b)));
    expect((await listApprovedFacilitators(db, { except: zed.id })).map((p) => p.displayName)).toEqual(before);
  });

  it("counts attendance per series since an instant, never who", async () => {
    const lead = await person("Attendance Lead");
    const s = await series("Attendance count", lead.id);
    const old = await occurrence(s.id, "old", hours(-24 * 10), lead.id);
    const recent = await occurrence(s.id, "recent", hours(-24), lead.id);
    await db.attendanceIntent.createMany({
      data: [
        { occurrenceId: old.id, browserKey: "a" },
        { occurrenceId: recent.id, browserKey: "b" },
        { occurrenceId: recent.id, browserKey: "c" },
      ],
    });
    const rows = await seriesAttendanceSince(db, hours(-24 * 7));
    expect(rows.find((r) => r.title === "Attendance count")).toEqual({
      title: "Attendance count",
      sessions: 1,
      planning: 2,
    });
  });
});

describe("who may sign in", () => {
  it("sends links and sessions only to approved people who were not erased", async () => {
    const ok = await person("Signs In", { email: "ok@test.example" });
    const applied = await person("Applied", { status: "APPLIED", email: "applied@test.example" });
    const erased = await person("Erased", { erasedAt: NOW, email: "erased@test.example" });
    expect(await maySendSignInLink(db, "ok@test.example")).toBe(true);
    expect(await maySendSignInLink(db, "applied@test.example")).toBe(false);
    expect(await maySendSignInLink(db, "erased@test.example")).toBe(false);
    expect(await maySendSignInLink(db, "nobody@test.example")).toBe(false);
    expect(await mayHoldSession(db, ok.id)).toBe(true);
    expect(await mayHoldSession(db, applied.id)).toBe(false);
    expect(await mayHoldSession(db, erased.id)).toBe(false);
  });
});
