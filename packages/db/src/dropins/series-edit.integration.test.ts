import { beforeAll, describe, expect, it } from "vitest";
import type { SeriesInput } from "@offshift/core";
import { actorOfPerson } from "../people/actors.js";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { nightRecurrence, nightSeries } from "../testing/series-fixture.js";
import { cancelOccurrence, createSeries, moveOccurrence, openRoom, updateSeries } from "./series.js";

let db: TestPrisma;
let leadId: string;
let backupId: string;
let strangerId: string;
let volunteerId: string;
const created = new Date("2026-11-30T12:00:00Z"); // Monday

const database = useTestDatabase("series_edit");
/** The actor a person is, as the database says (their roles). */
const as = (personId: string) => actorOfPerson(db, personId);

beforeAll(async () => {
  db = database.client();
  const mk = (displayName: string, roles: ("FACILITATOR" | "VOLUNTEER")[]) =>
    db.person.create({ data: { displayName, roles, status: "APPROVED" }, select: { id: true } });
  leadId = (await mk("Lee Lead", ["FACILITATOR"])).id;
  backupId = (await mk("Bea Backup", ["FACILITATOR"])).id;
  strangerId = (await mk("Sol Stranger", ["FACILITATOR"])).id;
  volunteerId = (await mk("Val Volunteer", ["VOLUNTEER"])).id;
});

const recurrence = nightRecurrence;
const input = (over: Partial<SeriesInput> = {}): SeriesInput => ({
  ...nightSeries(leadId, { backupFacilitatorId: backupId }),
  ...over,
});
const occurrencesOf = (seriesId: string) =>
  db.dropInOccurrence.findMany({ where: { seriesId }, orderBy: { originalStart: "asc" } });

describe("updateSeries: future occurrences only", () => {
  it("changes sessions that have not started and leaves past and running ones as they were", async () => {
    const made = await createSeries(db, { ...input(), timeZone: "Europe/London", now: created });
    if (!made.ok) throw new Error(made.message);
    const before = await occurrencesOf(made.seriesId);
    // Two weeks on, Thursday 22:30: Tue 1, Thu 3, Tue 8, Thu 10 are past; Thu 10 22:00 is running.
    const now = new Date("2026-12-10T22:30:00Z");
    const running = before.find((o) => o.startsAt.toISOString() === "2026-12-10T22:00:00.000Z")!;
    const nextTuesday = before.find((o) => o.startsAt.toISOString() === "2026-12-15T22:00:00.000Z")!;
    const nextThursday = before.find((o) => o.startsAt.toISOString() === "2026-12-17T22:00:00.000Z")!;
    // A one-off move and a cancellation that the edit must respect.
    expect(
      await moveOccurrence(db, await as(leadId), {
        occurrenceId: nextThursday.id,
        startsAt: new Date("2026-12-17T21:00:00Z"),
        now,
      }),
    ).toMatchObject({ ok: true });

    const result = await updateSeries(db, await as(leadId), {
      ...input({
        title: "Nights on the road",
        capacity: 8,
        durationMinutes: 90,
        recurrence: recurrence({ days: ["TU", "WE"] }),
      }),
      seriesId: made.seriesId,
      timeZone: "Europe/London",
      now,
    });
    expect(result).toMatchObject({ ok: true });

    const after = await occurrencesOf(made.seriesId);
    const byId = new Map(after.map((o) => [o.id, o]));
    // Past and running: untouched.
    for (const o of before.filter((b) => b.startsAt <= now)) {
      const a = byId.get(o.id)!;
      expect(a).toBeDefined();
      expect({ title: a.title, capacity: a.capacity, endsAt: a.endsAt }).toEqual({
        title: "Lone working at night",
        capacity: 12,
        endsAt: o.endsAt,
      });
    }
    expect(byId.get(running.id)!.endsAt).toEqual(running.endsAt);
    // Future Tuesday: same slot, new details and length.
    const tue = byId.get(nextTuesday.id)!;
    expect(tue).toMatchObject({ title: "Nights on the road", capacity: 8 });
    expect(tue.endsAt.getTime() - tue.startsAt.getTime()).toBe(90 * 60_000);
    // The moved Thursday stays where it was moved to; untouched future Thursdays are gone.
    expect(byId.get(nextThursday.id)).toMatchObject({ title: "Nights on the road" });
    const futureThursdays = after.filter(
      (o) => o.startsAt > now && o.id !== nextThursday.id && new Date(o.startsAt).getUTCDay() === 4,
    );
    expect(futureThursdays).toEqual([]);
    // Wednesdays are new, at 22:00 London time.
    const wednesdays = after.filter((o) => o.startsAt > now && o.startsAt.getUTCDay() === 3);
    expect(wednesdays.length).toBeGreaterThanOrEqual(7);
    expect(wednesdays.every((o) => o.startsAt.getUTCHours() === 22 && o.title === "Nights on the road")).toBe(true);
    // No duplicates by original start.
    expect(new Set(after.map((o) => o.originalStart.getTime())).size).toBe(after.length);
  });

  it("keeps a cancelled future session cancelled", async () => {
    const made = await createSeries(db, {
      ...input({ title: "Keep cancelled", recurrence: recurrence({ days: ["MO"], time: "20:00" }) }),
      timeZone: "Europe/London",
      now: created,
    });
    if (!made.ok) throw new Error(made.message);
    const [first] = await occurrencesOf(made.seriesId);
    await cancelOccurrence(db, await as(leadId), { occurrenceId: first!.id, now: created });
    const r = await updateSeries(db, await as(backupId), {
      ...input({ title: "Renamed", recurrence: recurrence({ days: ["MO"], time: "20:00" }) }),
      seriesId: made.seriesId,
      timeZone: "Europe/London",
      now: created,
    });
    expect(r).toMatchObject({ ok: true, removed: 0, added: 0 });
    expect(await db.dropInOccurrence.findUniqueOrThrow({ where: { id: first!.id } })).toMatchObject({
      status: "CANCELLED",
      title: "Renamed",
    });
  });

  it("refuses strangers, clashes and bad backups, saving nothing", async () => {
    const made = await createSeries(db, {
      ...input({ title: "Fixed", recurrence: recurrence({ days: ["SA"], time: "21:00" }) }),
      timeZone: "Europe/London",
      now: created,
    });
    if (!made.ok) throw new Error(made.message);
    const snapshot = async () => ({
      series: await db.dropInSeries.findUniqueOrThrow({ where: { id: made.seriesId } }),
      occurrences: await occurrencesOf(made.seriesId),
    });
    const before = await snapshot();
    const base = { seriesId: made.seriesId, timeZone: "Europe/London", now: created };
    const lead = await as(leadId);
    expect(await updateSeries(db, await as(strangerId), { ...input({ title: "Hijack" }), ...base })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    // Onto the lead's other series (Tue/Thu 22:00).
    const clash = await updateSeries(db, lead, {
      ...input({ title: "Fixed", recurrence: recurrence({ days: ["TU"], time: "22:30" }) }),
      ...base,
    });
    expect(clash).toMatchObject({ ok: false, field: "recurrence" });
    expect(
      await updateSeries(db, lead, {
        ...input({ backupFacilitatorId: volunteerId, recurrence: recurrence({ days: ["SA"], time: "21:00" }) }),
        ...base,
      }),
    ).toMatchObject({ ok: false, field: "backupFacilitatorId" });
    expect(
      await updateSeries(db, lead, {
        ...input(),
        ...base,
        seriesId: "00000000-0000-4000-8000-000000000000",
      }),
    ).toMatchObject({ ok: false, code: "not_found" });
    expect(await snapshot()).toEqual(before);
  });
});

describe("openRoom", () => {
  it("opens from the lobby time to the end, by the people who run it, once", async () => {
    const made = await createSeries(db, {
      ...input({ title: "Open me", recurrence: recurrence({ days: ["SU"], time: "21:00" }) }),
      timeZone: "Europe/London",
      now: created,
    });
    if (!made.ok) throw new Error(made.message);
    const [first, second] = await occurrencesOf(made.seriesId);
    const start = first!.startsAt.getTime();
    const at = (minutes: number) => new Date(start + minutes * 60_000);
    const open = async (byPersonId: string, now: Date, occurrenceId = first!.id) =>
      openRoom(db, await as(byPersonId), { occurrenceId, now });

    expect(await open(backupId, at(-11))).toMatchObject({ ok: false, code: "too_early" });
    expect(await open(strangerId, at(-5))).toMatchObject({ ok: false, code: "forbidden" });
    // The backup opens it and becomes the facilitator people see.
    expect(await open(backupId, at(-5))).toMatchObject({ ok: true, occurrenceId: first!.id, alreadyOpen: false });
    expect(await open(leadId, at(-4))).toMatchObject({ ok: true, occurrenceId: first!.id, alreadyOpen: true });
    expect(await db.dropInOccurrence.findUniqueOrThrow({ where: { id: first!.id } })).toMatchObject({
      openedAt: at(-5),
      openedById: backupId,
      facilitatorId: backupId,
    });
    expect(await open(leadId, at(60))).toMatchObject({ ok: false, code: "ended" });

    await cancelOccurrence(db, await as(leadId), { occurrenceId: second!.id, now: created });
    expect(await open(leadId, new Date(second!.startsAt.getTime()), second!.id)).toMatchObject({
      ok: false,
      code: "cancelled",
    });
    expect(await db.auditEvent.count({ where: { action: "room.open" } })).toBe(1);
  });
});
