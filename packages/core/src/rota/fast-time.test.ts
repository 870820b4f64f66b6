import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as rruleModule from "rrule";
import type { RRule as RRuleType } from "rrule";
import { DomainError } from "../errors.js";
import { expandBetween } from "../time/recurrence.js";
import { instantFromWallTime, type WallTime } from "../time/zoned.js";
import {
  expandFloating,
  expandInstants,
  floatingFromWall,
  parseRuleSet,
  expandRuleSet,
  zoneClock,
} from "./fast-time.js";

const rrule = rruleModule as unknown as { RRule?: typeof RRuleType; default?: { RRule: typeof RRuleType } };
const RRule = (rrule.RRule ?? rrule.default?.RRule)!;

const ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];
const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const pad = (n: number) => String(n).padStart(2, "0");

describe("zoneClock", () => {
  it("property: converts every reading exactly as instantFromWallTime does, DST nights included", () => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2027, 0, 1);
    const clocks = new Map(ZONES.map((z) => [z, zoneClock(z, from, to)]));
    // Bias towards the small hours of transition days, where the rules matter.
    const transitionDays = [
      [3, 29],
      [10, 25],
      [3, 8],
      [11, 1],
      [4, 5],
      [10, 4],
      [9, 27],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.oneof(
          fc.record({ month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) }),
          fc.constantFrom(...transitionDays).map(([month, day]) => ({ month: month!, day: day! })),
        ),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45, 59),
        (zone, { month, day }, hour, minute) => {
          const wall: WallTime = { year: 2026, month, day, hour, minute };
          const expected = instantFromWallTime(wall, zone).getTime();
          const clock = clocks.get(zone)!;
          expect(clock.toInstant(floatingFromWall(wall))).toBe(expected);
          expect(clock.toFloating(expected) - expected).toBe(clock.offsetAt(expected) * 60_000);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("is exact outside the window it learnt, too", () => {
    const clock = zoneClock("Europe/London", Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1));
    const wall = { year: 2026, month: 10, day: 25, hour: 1, minute: 30 };
    expect(clock.toInstant(floatingFromWall(wall))).toBe(instantFromWallTime(wall, "Europe/London").getTime());
  });
});

describe("expandFloating (date arithmetic for simple rules, rrule.js for the rest)", () => {
  it("property: gives the same occurrences as rrule.js", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("WEEKLY", "DAILY"),
        fc.integer({ min: 1, max: 4 }),
        fc.subarray(DAYS),
        fc.constantFrom("", ";WKST=MO", ";WKST=SU", ";WKST=WE"),
        fc.option(fc.integer({ min: 0, max: 200 })),
        fc.integer({ min: 0, max: 365 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: -30, max: 300 }),
        (freq, interval, days, wkst, untilDays, startDay, startMinute, windowOffset) => {
          const dtstart = Date.UTC(2026, 0, 1) + startDay * 86_400_000 + startMinute * 60_000;
          const until = untilDays === null ? null : new Date(dtstart + untilDays * 86_400_000 + 3_600_000);
          const untilText = until ? `;UNTIL=${until.toISOString().slice(0, 19).replace(/[-:]/g, "")}` : "";
          const rule = `FREQ=${freq};INTERVAL=${interval}${days.length ? `;BYDAY=${days.join(",")}` : ""}${wkst}${untilText}`;
          const from = dtstart + windowOffset * 86_400_000;
          const to = from + 90 * 86_400_000;
          const reference = new RRule({ ...RRule.parseString(rule), dtstart: new Date(dtstart), tzid: null })
            .between(new Date(from), new Date(to), true)
            .map((d) => d.getTime());
          expect(expandFloating(rule, dtstart, from, to)).toEqual(reference);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("falls back to rrule.js for monthly and counted rules", () => {
    const dtstart = Date.UTC(2026, 0, 1, 22);
    expect(
      expandFloating("FREQ=MONTHLY;BYDAY=-1FR", dtstart, dtstart, Date.UTC(2026, 3, 1)).map((t) =>
        new Date(t).toISOString(),
      ),
    ).toEqual(["2026-01-30T22:00:00.000Z", "2026-02-27T22:00:00.000Z", "2026-03-27T22:00:00.000Z"]);
    expect(expandFloating("FREQ=DAILY;COUNT=2", dtstart, dtstart, Date.UTC(2026, 3, 1))).toHaveLength(2);
  });

  it("property: rota templates expand to the same instants as expandBetween", () => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2027, 0, 1);
    const clocks = new Map(ZONES.map((z) => [z, zoneClock(z, from, to)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(
          "FREQ=DAILY",
          "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=SA,SU",
          "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
          "FREQ=MONTHLY;BYDAY=1SU",
        ),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 30),
        fc.integer({ min: 0, max: 300 }),
        (zone, rule, hour, minute, offsetDays) => {
          const startsOnLocal = `2026-01-04T${pad(hour)}:${pad(minute)}:00`;
          const a = from + offsetDays * 86_400_000;
          const b = a + 60 * 86_400_000;
          const expected = expandBetween({ rule, startsOnLocal, timeZone: zone }, new Date(a), new Date(b)).map((o) =>
            o.start.getTime(),
          );
          expect(expandInstants(rule, startsOnLocal, clocks.get(zone)!, a, b).map((o) => o.start)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("recurrence sets", () => {
  it("applies RDATE and EXDATE", () => {
    const set = parseRuleSet(
      "DTSTART:20260105T220000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO\nRDATE:20260107T220000\nEXDATE:20260119T220000",
    );
    const out = expandRuleSet(set, Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 10)).map((t) =>
      new Date(t).toISOString().slice(0, 10),
    );
    expect(out).toEqual(["2026-01-05", "2026-01-07", "2026-02-02"]);
  });

  it("refuses zones, UTC stamps and unknown lines", () => {
    expect(() => parseRuleSet("DTSTART;TZID=Europe/London:20260105T220000")).toThrow(DomainError);
    expect(() => parseRuleSet("DTSTART:20260105T220000Z")).toThrow(/local times/);
    expect(() => parseRuleSet("DTSTART:20260105T220000\nSUMMARY:x")).toThrow(/not part of a recurrence set/);
    expect(() => parseRuleSet("RRULE:FREQ=DAILY")).toThrow(/needs a DTSTART/);
    expect(() => parseRuleSet("DTSTART:20260105T220000\nRRULE:FREQ=SOMETIMES")).toThrow(/FREQ/);
  });
});
