import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { WEEKDAYS } from "../time/recurrence-builder.js";
import { instantFromWallTime, wallTimeAt } from "../time/zoned.js";
import { buildWorkPattern, shiftDays, workPatternIssues } from "./pattern.js";
import { isLateOrNightShift, isQuietAt, quietHoursEndAfter, quietPeriods, type QuietHoursInput } from "./quiet.js";
import { minutesOfDay, shiftTemplate, type ShiftTemplate, type WorkPatternBuilder } from "./schema.js";

/**
 * Quiet hours over random work patterns: random shifts (one to three parts,
 * across midnight or not), rotations of one to four weeks, extra shifts,
 * zones with and without summer time, and instants near the clock changes.
 * The reference answer is worked out the slow way: every shift end read with
 * the zone library (not the engine's fast zone clock), late or night decided
 * from the template's own clock readings.
 */

const DAY = 86_400_000;
const MIN = 60_000;
const ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"];

const hhmm = (q: number) =>
  `${String(Math.floor((q % 96) / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`;

/** A shift of one to three parts, each a quarter-hour grid reading; invalid shapes are dropped. */
const shiftArb = (id: string) =>
  fc
    .record({
      start: fc.integer({ min: 0, max: 95 }),
      lengths: fc.array(fc.integer({ min: 2, max: 40 }), { minLength: 1, maxLength: 3 }),
      gaps: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 2, maxLength: 2 }),
    })
    .map(({ start, lengths, gaps }): ShiftTemplate | null => {
      const parts: ShiftTemplate["parts"] = [];
      let q = start;
      for (let i = 0; i < lengths.length; i++) {
        const end = q + lengths[i]!;
        parts.push({ start: hhmm(q), end: hhmm(end), endsNextDay: end >= 96 });
        if (end >= 96) break;
        q = end + gaps[i % 2]!;
        if (q >= 96) break;
      }
      const parsed = shiftTemplate.safeParse({ id, name: id, parts });
      return parsed.success ? parsed.data : null;
    });

/** Mondays just before the clock changes (north and south), and any other week. */
const cycleStart = fc.oneof(
  fc.constantFrom("2027-03-22", "2027-10-25", "2027-03-08", "2027-10-29", "2027-04-01", "2027-10-01"),
  fc.integer({ min: 0, max: 700 }).map((d) => new Date(Date.UTC(2026, 0, 5) + d * DAY).toISOString().slice(0, 10)),
);

const volunteerArb = fc
  .record({
    shifts: fc.tuple(shiftArb("a"), shiftArb("b"), shiftArb("c")),
    cycleStartsOn: cycleStart,
    everyWeeks: fc.integer({ min: 1, max: 4 }),
    entries: fc.array(
      fc.record({
        week: fc.integer({ min: 1, max: 4 }),
        day: fc.constantFrom(...WEEKDAYS),
        shiftId: fc.constantFrom("a", "b", "c"),
      }),
      { maxLength: 14 },
    ),
    extras: fc.array(fc.record({ day: fc.integer({ min: 0, max: 40 }), shiftId: fc.constantFrom("a", "b", "c") }), {
      maxLength: 3,
    }),
    rest: fc.integer({ min: 16, max: 64 }).map((q) => q * 15),
    timeZone: fc.constantFrom(...ZONES),
  })
  .map(({ shifts, cycleStartsOn, everyWeeks, entries, extras, rest, timeZone }): QuietHoursInput => {
    const templates = shifts.filter((s): s is ShiftTemplate => s !== null);
    const known = new Set(templates.map((s) => s.id));
    const b: WorkPatternBuilder = { cycleStartsOn, everyWeeks, shifts: [], changes: [] };
    // Keep what leaves a valid pattern (no overlaps), as the form would.
    for (const e of entries) {
      if (!known.has(e.shiftId) || e.week > everyWeeks) continue;
      const next = { ...b, shifts: [...b.shifts, e] };
      if (workPatternIssues(next, templates).length === 0) b.shifts = next.shifts;
    }
    const base = Date.parse(`${cycleStartsOn}T00:00:00Z`);
    for (const x of extras) {
      if (!known.has(x.shiftId)) continue;
      const change = {
        kind: "extra" as const,
        date: new Date(base + x.day * DAY).toISOString().slice(0, 10),
        shiftId: x.shiftId,
      };
      const next = { ...b, changes: [...b.changes, change] };
      if (workPatternIssues(next, templates).length === 0) b.changes = next.changes;
    }
    return { shifts: templates, pattern: buildWorkPattern(b, templates), restAfterShiftMinutes: rest, timeZone };
  });

/** Ends of late or night shifts on local days [fromDay, toDay], the slow way. */
function slowLateEnds(v: QuietHoursInput, fromDay: number, toDay: number): number[] {
  const byId = new Map(v.shifts.map((s) => [s.id, s]));
  const ends: number[] = [];
  for (const { shiftId, day } of shiftDays(v.pattern, fromDay, toDay)) {
    const s = byId.get(shiftId)!;
    const last = s.parts.at(-1)!;
    const start = minutesOfDay(last.start);
    const end = minutesOfDay(last.end) + (last.endsNextDay || minutesOfDay(last.end) <= start ? 1440 : 0);
    if (!(start < 300 || end > 1200)) continue;
    // The local day's clock reading, `m` minutes after its midnight (local days are counted in UTC days).
    const wall = (m: number) => wallTimeAt(day * DAY + m * MIN, "UTC");
    const startAt = instantFromWallTime(wall(start), v.timeZone).getTime();
    let endAt = instantFromWallTime(wall(end), v.timeZone).getTime();
    if (endAt <= startAt) endAt = startAt + (end - start) * MIN;
    ends.push(endAt);
  }
  return ends.sort((a, b) => a - b);
}

/** Late or night shift ends that can make `t` quiet (rest is at most 16 h). */
const slowEndsAround = (v: QuietHoursInput, t: Date) => {
  const localDay = Math.floor(t.getTime() / DAY);
  return slowLateEnds(v, localDay - 4, localDay + 1);
};

/**
 * An instant in the first six weeks of the pattern, to the second: half the
 * time anywhere, half the time within a rest either side of a shift's end
 * (where the answer changes), the exact edges included.
 */
const caseArb = volunteerArb.chain((v) => {
  const base = Date.parse(`${v.pattern.cycleStartsOn}T00:00:00Z`);
  const anywhere = fc.integer({ min: -2 * 86_400, max: 6 * 7 * 86_400 }).map((s) => new Date(base + s * 1000));
  const ends = slowLateEnds(v, Math.floor(base / DAY) - 2, Math.floor(base / DAY) + 42);
  if (ends.length === 0) return anywhere.map((t) => ({ v, t }));
  const rest = v.restAfterShiftMinutes! * 60;
  const nearEnd = fc
    .tuple(
      fc.constantFrom(...ends),
      fc.oneof(fc.integer({ min: -rest, max: 2 * rest }), fc.constantFrom(-1, 0, rest - 1, rest)),
    )
    .map(([end, s]) => new Date(end + s * 1000));
  return fc.oneof(anywhere, nearEnd).map((t) => ({ v, t }));
});

const RUNS = { numRuns: 250 };

describe("quiet hours over random work patterns", () => {
  it("t is quiet exactly when a late or night shift ended within the stated rest before it", () => {
    fc.assert(
      fc.property(caseArb, ({ v, t }) => {
        const rest = v.restAfterShiftMinutes! * MIN;
        const expected = slowEndsAround(v, t).some((end) => end <= t.getTime() && t.getTime() < end + rest);
        expect(isQuietAt(v, t)).toBe(expected);
      }),
      RUNS,
    );
  });

  it("quiet hours end at an instant that is not quiet, with no gap before it", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        ({ v, t }, fractions) => {
          const end = quietHoursEndAfter(v, t);
          if (!isQuietAt(v, t)) {
            expect(end).toEqual(t);
            return;
          }
          expect(end.getTime()).toBeGreaterThan(t.getTime());
          expect(isQuietAt(v, end)).toBe(false);
          for (const f of fractions) {
            const inside = new Date(t.getTime() + Math.floor(f * (end.getTime() - t.getTime() - 1)));
            expect(isQuietAt(v, inside)).toBe(true);
          }
        },
      ),
      RUNS,
    );
  });

  it("more rest never shortens quiet hours", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 16 }), ({ v, t }, more) => {
        const longer = { ...v, restAfterShiftMinutes: Math.min(960, v.restAfterShiftMinutes! + more * 15) };
        if (isQuietAt(v, t)) {
          expect(isQuietAt(longer, t)).toBe(true);
          expect(quietHoursEndAfter(longer, t).getTime()).toBeGreaterThanOrEqual(quietHoursEndAfter(v, t).getTime());
        }
      }),
      RUNS,
    );
  });

  it("only late and night shifts make quiet hours; periods are ordered, apart and each at least the rest", () => {
    fc.assert(
      fc.property(caseArb, ({ v, t }) => {
        const periods = quietPeriods(v, t, new Date(t.getTime() + 7 * DAY));
        if (!v.shifts.some(isLateOrNightShift)) expect(periods).toEqual([]);
        for (let i = 0; i < periods.length; i++) {
          const p = periods[i]!;
          expect(p.end.getTime() - p.start.getTime()).toBeGreaterThanOrEqual(v.restAfterShiftMinutes! * MIN);
          if (i > 0) expect(p.start.getTime()).toBeGreaterThan(periods[i - 1]!.end.getTime());
        }
      }),
      RUNS,
    );
  });

  it("a night ending at 07:00 with 8 h rest is quiet until 15:00 on the clock in every zone, all year", () => {
    const night: ShiftTemplate = {
      id: "night",
      name: "night",
      parts: [{ start: "22:00", end: "07:00", endsNextDay: true }],
    };
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 730 }), (timeZone, d) => {
        const monday = new Date(Date.UTC(2026, 0, 5) + d * DAY);
        const day = WEEKDAYS[(monday.getUTCDay() + 6) % 7]!;
        const date = monday.toISOString().slice(0, 10);
        const v: QuietHoursInput = {
          shifts: [night],
          pattern: buildWorkPattern(
            { cycleStartsOn: date, everyWeeks: 1, shifts: [{ week: 1, day, shiftId: "night" }], changes: [] },
            [night],
          ),
          restAfterShiftMinutes: 480,
          timeZone,
        };
        const next = new Date(monday.getTime() + DAY);
        const wall = (hour: number) => ({
          year: next.getUTCFullYear(),
          month: next.getUTCMonth() + 1,
          day: next.getUTCDate(),
          hour,
          minute: 0,
        });
        const seven = instantFromWallTime(wall(7), timeZone);
        // The rest is elapsed time; on a clock-change morning before 07:00 it is still 15:00 on the clock.
        const fifteen = new Date(seven.getTime() + 8 * 3_600_000);
        expect(isQuietAt(v, new Date(seven.getTime() - MIN))).toBe(false);
        expect(isQuietAt(v, seven)).toBe(true);
        expect(isQuietAt(v, new Date(fifteen.getTime() - 1))).toBe(true);
        expect(isQuietAt(v, fifteen)).toBe(false);
        expect(quietHoursEndAfter(v, seven)).toEqual(fifteen);
        expect(fifteen).toEqual(instantFromWallTime(wall(15), timeZone));
      }),
      { numRuns: 200 },
    );
  });
});
