import { beforeAll, describe, expect, it } from "vitest";
import type { Actor, Role, SeriesInput } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { nightRecurrence, nightSeries } from "../testing/series-fixture.js";
import { cancelOccurrence, createSeries, moveOccurrence, reassignOccurrence } from "./series.js";
import { extendDropInHorizon, materializeOccurrences } from "./materialize.js";

let db: TestPrisma;
let facilitatorId: string;
let otherFacilitatorId: string;
let volunteerId: string;
const now = new Date("2026-11-30T12:00:00Z");

const database = useTestDatabase("series");
const as = (personId: string, ...roles: Role[]): Actor => ({ kind: "person", personId, roles, status: "APPROVED" });

beforeAll(async () => {
  db = database.client();
  const mk = (displayName: string, roles: ("FACILITATOR" | "VOLUNTEER")[]) =>
    db.person.create({ data: { displayName, roles, status: "APPROVED" }, select: { id: true } });
  facilitatorId = (await mk("Fay Facilitator", ["FACILITATOR"])).id;
  otherFacilitatorId = (await mk("Bo Backup", ["FACILITATOR"])).id;
  volunteerId = (await mk("Val Volunteer", ["VOLUNTEER"])).id;
});

const recurrence = nightRecurrence;
const series = (over: Partial<SeriesInput> = {}): SeriesInput & { timeZone: string; now: Date } => ({
  ...nightSeries(facilitatorId, { roomStyle: "HAND_RAISE" }),
  timeZone: "Europe/London",
  now,
  ...over,
});

describe("createSeries", () => {
  it("creates the series and materialises 8 weeks of occurrences", async () => {
    const r = await createSeries(db, series());
    expect(r).toMatchObject({ ok: true, occurrences: 16 });
  });

  it("refuses double booking the facilitator, even when two requests race", async () => {
    const clash = await createSeries(
      db,
      series({ title: "Clashing", recurrence: recurrence({ days: ["TH"], time: "22:30" }) }),
    );
    expect(clash).toMatchObject({ ok: false, field: "recurrence" });
    expect(!clash.ok && clash.message).toContain("already running “Lone working at night”");

    const both = await Promise.all([
      createSeries(db, series({ title: "Race A", recurrence: recurrence({ days: ["MO"], time: "20:00" }) })),
      createSeries(db, series({ title: "Race B", recurrence: recurrence({ days: ["MO"], time: "20:30" }) })),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(await db.dropInSeries.count({ where: { title: { in: ["Race A", "Race B", "Clashing"] } } })).toBe(1);
  });

  it("refuses people who are not approved facilitators and ends before the start, saving nothing", async () => {
    const before = await db.dropInSeries.count();
    expect(await createSeries(db, series({ facilitatorId: volunteerId }))).toMatchObject({
      ok: false,
      field: "facilitatorId",
    });
    expect(
      await createSeries(db, series({ backupFacilitatorId: volunteerId, recurrence: recurrence({ days: ["SU"] }) })),
    ).toMatchObject({
      ok: false,
      field: "backupFacilitatorId",
    });
    expect(
      await createSeries(
        db,
        series({ recurrence: recurrence({ days: ["SA"], ends: { kind: "until", until: "2026-11-01" } }) }),
      ),
    ).toMatchObject({
      ok: false,
      field: "until",
    });
    expect(await db.dropInSeries.count()).toBe(before);
  });
});

describe("cancelOccurrence", () => {
  it("cancels one occurrence only, by its facilitator or a coordinator, once", async () => {
    const r = await createSeries(
      db,
      series({ title: "Cancel me", facilitatorId: otherFacilitatorId, recurrence: recurrence({ days: ["WE"] }) }),
    );
    if (!r.ok) throw new Error(r.message);
    const [first, second] = await db.dropInOccurrence.findMany({
      where: { seriesId: r.seriesId },
      orderBy: { startsAt: "asc" },
    });
    expect(await cancelOccurrence(db, as(volunteerId, "VOLUNTEER"), { occurrenceId: first!.id, now })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(
      await cancelOccurrence(db, as(otherFacilitatorId, "FACILITATOR"), {
        occurrenceId: first!.id,
        now,
      }),
    ).toMatchObject({
      ok: true,
      occurrenceId: first!.id,
      roomEnded: false,
    });
    expect(await cancelOccurrence(db, as(volunteerId, "COORDINATOR"), { occurrenceId: first!.id, now })).toMatchObject({
      ok: false,
      code: "already_cancelled",
    });
    expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: second!.id } })).status).toBe("SCHEDULED");
  });

  it("says why in plain words, and returns what the pages must hear as effects", async () => {
    const r = await createSeries(
      db,
      series({ title: "Effects", facilitatorId: otherFacilitatorId, recurrence: recurrence({ days: ["MO"] }) }),
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.effects).toEqual([{ kind: "scheduleChanged", change: { seriesId: r.seriesId, change: "created" } }]);
    const [first] = await db.dropInOccurrence.findMany({
      where: { seriesId: r.seriesId },
      orderBy: { startsAt: "asc" },
    });
    // A facilitator of another series may manage series in general, but not this one.
    expect(await cancelOccurrence(db, as(facilitatorId, "FACILITATOR"), { occurrenceId: first!.id, now })).toEqual({
      ok: false,
      code: "forbidden",
      message: "Only the session's facilitators or a coordinator can change it.",
    });
    expect(await cancelOccurrence(db, as(volunteerId, "COORDINATOR"), { occurrenceId: first!.id, now })).toEqual({
      ok: true,
      occurrenceId: first!.id,
      roomEnded: false,
      effects: [{ kind: "scheduleChanged", change: { occurrenceId: first!.id, change: "cancelled" } }],
    });
  });
});

describe("one occurrence at a time", () => {
  it("moves one occurrence without touching the others, and never into the past", async () => {
    const r = await createSeries(
      db,
      series({ title: "Move me", facilitatorId: otherFacilitatorId, recurrence: recurrence({ days: ["FR"] }) }),
    );
    if (!r.ok) throw new Error(r.message);
    const [a, b] = await db.dropInOccurrence.findMany({
      where: { seriesId: r.seriesId },
      orderBy: { startsAt: "asc" },
    });
    const later = new Date(a!.startsAt.getTime() + 30 * 60_000);
    expect(
      await moveOccurrence(db, as(otherFacilitatorId, "FACILITATOR"), {
        occurrenceId: a!.id,
        startsAt: later,
        now,
      }),
    ).toMatchObject({
      ok: true,
      occurrenceId: a!.id,
    });
    const moved = await db.dropInOccurrence.findUniqueOrThrow({ where: { id: a!.id } });
    expect(moved.startsAt).toEqual(later);
    expect(moved.endsAt.getTime() - moved.startsAt.getTime()).toBe(60 * 60_000);
    expect(moved.originalStart).toEqual(a!.originalStart);
    expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: b!.id } })).startsAt).toEqual(b!.startsAt);
    expect(
      await moveOccurrence(db, as(otherFacilitatorId, "FACILITATOR"), {
        occurrenceId: b!.id,
        startsAt: new Date(now.getTime() - 1),
        now,
      }),
    ).toMatchObject({
      ok: false,
      code: "in_the_past",
    });
    // Far into the future (9999-12-31, a slip of the keyboard) is a clear refusal, not a server error.
    expect(
      await moveOccurrence(db, as(otherFacilitatorId, "FACILITATOR"), {
        occurrenceId: b!.id,
        startsAt: new Date("9999-12-31T23:30:00Z"),
        now,
      }),
    ).toMatchObject({ ok: false, code: "too_far_ahead" });
    expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: b!.id } })).startsAt).toEqual(b!.startsAt);
    // Re-materialising does not bring back the original slot.
    await materializeOccurrences(db, r.seriesId, now);
    expect(await db.dropInOccurrence.count({ where: { seriesId: r.seriesId, startsAt: a!.startsAt } })).toBe(0);
  });

  it("reassigns one occurrence to a free facilitator only", async () => {
    const r = await createSeries(
      db,
      series({
        title: "Reassign me",
        facilitatorId: otherFacilitatorId,
        recurrence: recurrence({ days: ["SA"], time: "19:00" }),
      }),
    );
    if (!r.ok) throw new Error(r.message);
    const [a] = await db.dropInOccurrence.findMany({ where: { seriesId: r.seriesId }, orderBy: { startsAt: "asc" } });
    const base = { occurrenceId: a!.id, now };
    const lead = as(otherFacilitatorId, "FACILITATOR");
    expect(await reassignOccurrence(db, lead, { ...base, facilitatorId: volunteerId })).toMatchObject({
      ok: false,
      code: "not_a_facilitator",
    });
    expect(await reassignOccurrence(db, lead, { ...base, facilitatorId })).toMatchObject({
      ok: true,
      occurrenceId: a!.id,
    });
    expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: a!.id } })).facilitatorId).toBe(facilitatorId);
  });

  it("extends every series to the rolling horizon, idempotently", async () => {
    const later = new Date(now.getTime() + 28 * 86_400_000);
    const created = await extendDropInHorizon(db, later);
    expect(created).toBeGreaterThan(0);
    expect(await extendDropInHorizon(db, later)).toBe(0);
  });
});
