import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as rruleModule from "rrule";
import type { RRule as RRuleType } from "rrule";
import { expandBetween, expandFloating, expandInstants, recurrenceMessages } from "./recurrence.js";
import { floatingFromWall, wallFromFloating } from "./floating.js";
import { zoneClock } from "./zone-clock.js";
import { instantFromWallTime, parseFloating, wallTimeAt } from "./zoned.js";
import { DomainError } from "../errors.js";

const rrule = rruleModule as unknown as { RRule?: typeof RRuleType; default?: { RRule: typeof RRuleType } };
const RRule = (rrule.RRule ?? rrule.default?.RRule)!;

const ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];
const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const pad = (n: number) => String(n).padStart(2, "0");

const LONDON = "Europe/London";

describe("instantFromWallTime (Europe/London)", () => {
  it("maps winter and summer readings with the right offset", () => {
    expect(instantFromWallTime({ year: 2026, month: 12, day: 1, hour: 22, minute: 0 }, LONDON).toISOString()).toBe(
      "2026-12-01T22:00:00.000Z",
    );
    expect(instantFromWallTime({ year: 2026, month: 7, day: 1, hour: 22, minute: 0 }, LONDON).toISOString()).toBe(
      "2026-07-01T21:00:00.000Z",
    );
  });

  it("moves a nonexistent 01:30 (spring forward) to 02:30 BST", () => {
    const t = instantFromWallTime({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, LONDON);
    expect(t.toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(wallTimeAt(t, LONDON)).toMatchObject({ hour: 2, minute: 30 });
  });

  it("takes the first of an ambiguous 01:30 (fall back), i.e. 01:30 BST", () => {
    const t = instantFromWallTime({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, LONDON);
    expect(t.toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
});

describe("parseFloating", () => {
  it("rejects impossible dates instead of rolling over", () => {
    expect(parseFloating("2026-02-30T22:00")).toBeNull();
    expect(parseFloating("2026-02-10T24:00")).toBeNull();
    expect(parseFloating("2026-02-10 22:00")).toBeNull();
    expect(parseFloating("2026-02-10T22:00")).toMatchObject({ year: 2026, month: 2, day: 10, hour: 22 });
  });
});

describe("expandBetween", () => {
  it("keeps a weekly 22:00 session at 22:00 local on both sides of each clock change", () => {
    const occ = expandBetween(
      { rule: "FREQ=WEEKLY;BYDAY=TU,TH", startsOnLocal: "2026-01-06T22:00:00", timeZone: LONDON },
      new Date("2026-03-01T00:00:00Z"),
      new Date("2026-11-30T00:00:00Z"),
    );
    expect(occ.length).toBeGreaterThan(70);
    for (const o of occ) expect(wallTimeAt(o.start, LONDON)).toMatchObject({ hour: 22, minute: 0 });
    const march = occ.filter((o) => o.start.getUTCMonth() === 2).map((o) => o.start.toISOString());
    expect(march).toContain("2026-03-26T22:00:00.000Z"); // Thursday before the change: GMT
    expect(march).toContain("2026-03-31T21:00:00.000Z"); // Tuesday after: BST
  });

  it("holds a daily 01:30 session once on each DST night", () => {
    const occ = expandBetween(
      { rule: "FREQ=DAILY", startsOnLocal: "2026-01-01T01:30:00", timeZone: LONDON },
      new Date("2026-03-28T00:00:00Z"),
      new Date("2026-03-31T00:00:00Z"),
    );
    expect(occ.map((o) => o.start.toISOString())).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z", // 02:30 BST: the 01:30 reading does not exist
      "2026-03-30T00:30:00.000Z",
    ]);
    const autumn = expandBetween(
      { rule: "FREQ=DAILY", startsOnLocal: "2026-01-01T01:30:00", timeZone: LONDON },
      new Date("2026-10-24T00:00:00Z"),
      new Date("2026-10-27T00:00:00Z"),
    );
    expect(autumn.map((o) => o.start.toISOString())).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z", // first 01:30 (BST), not the repeat
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("rejects malformed rules and starts with a clear error", () => {
    const base = { startsOnLocal: "2026-01-06T22:00:00", timeZone: LONDON };
    expect(() => expandBetween({ ...base, rule: "FREQ=SOMETIMES" }, new Date(), new Date())).toThrow(DomainError);
    expect(() => expandBetween({ ...base, rule: "BYDAY=MO" }, new Date(), new Date())).toThrow(/FREQ/);
    expect(() =>
      expandBetween({ ...base, rule: "DTSTART;TZID=Europe/London:20260106T220000" }, new Date(), new Date()),
    ).toThrow(/DTSTART or TZID/);
    expect(() =>
      expandBetween(
        { rule: "FREQ=DAILY", startsOnLocal: "2026-13-01T22:00", timeZone: LONDON },
        new Date(),
        new Date(),
      ),
    ).toThrow(/not a valid local date/);
  });

  it("property: every weekly occurrence 2026-2030 has the intended wall-clock time, no duplicates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        fc.subarray(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], { minLength: 1 }),
        fc.integer({ min: 1, max: 3 }),
        fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2030-06-01T00:00:00Z"), noInvalidDate: true }),
        (hour, minute, days, interval, from) => {
          const to = new Date(from.getTime() + 120 * 86_400_000);
          const occ = expandBetween(
            {
              rule: `FREQ=WEEKLY;INTERVAL=${interval};BYDAY=${days.join(",")}`,
              startsOnLocal: `2026-01-05T${pad(hour)}:${pad(minute)}:00`,
              timeZone: LONDON,
            },
            from,
            to,
          );
          const starts = occ.map((o) => o.start.getTime());
          expect(new Set(starts).size).toBe(starts.length);
          for (const o of occ) {
            const wall = wallTimeAt(o.start, LONDON);
            if (hour === 1) {
              // Only 01:xx can fall into the spring gap; then it is an hour later.
              expect([1, 2]).toContain(wall.hour);
            } else {
              expect(wall.hour).toBe(hour);
            }
            expect(wall.minute).toBe(minute);
            expect(o.start >= from && o.start < to).toBe(true);
          }
          // No gaps: with interval 1 every week in the window has each chosen day.
          if (interval === 1)
            expect(occ.length).toBeGreaterThanOrEqual(Math.floor(120 / 7) * days.length - days.length);
        },
      ),
      { numRuns: 150 },
    );
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

/**
 * The slow path, kept here as the oracle: rrule.js over the whole widened
 * floating window, each reading converted on its own with instantFromWallTime
 * (what expandBetween did before the kernel had a fast path).
 */
function reference(rule: string, startsOnLocal: string, timeZone: string, from: number, to: number) {
  const dtstart = floatingFromWall(parseFloating(startsOnLocal)!);
  const floating = (t: number) => floatingFromWall(wallTimeAt(t, timeZone));
  const readings = new RRule({ ...RRule.parseString(rule), dtstart: new Date(dtstart), tzid: null })
    .between(new Date(floating(from - 86_400_000)), new Date(floating(to + 86_400_000)), true)
    .map((d) => d.getTime());
  const out: { local: number; start: number }[] = [];
  for (const local of readings) {
    const start = instantFromWallTime(wallFromFloating(local), timeZone).getTime();
    if (start >= from && start < to && !out.some((o) => o.start === start)) out.push({ local, start });
  }
  return out;
}

describe("the recurrence kernel: fast path and slow path agree", () => {
  const rules = fc.oneof(
    fc
      .record({
        freq: fc.constantFrom("WEEKLY", "DAILY"),
        interval: fc.integer({ min: 1, max: 4 }),
        days: fc.subarray(DAYS),
        wkst: fc.constantFrom("", ";WKST=MO", ";WKST=SU"),
      })
      .map(
        ({ freq, interval, days, wkst }) =>
          `FREQ=${freq};INTERVAL=${interval}${days.length ? `;BYDAY=${days.join(",")}` : ""}${wkst}`,
      ),
    fc
      .record({ nth: fc.constantFrom(1, 2, 3, 4, -1), day: fc.constantFrom(...DAYS) })
      .map(({ nth, day }) => `FREQ=MONTHLY;BYDAY=${nth}${day}`),
  );
  const ends = fc.oneof(
    fc.constant(""),
    fc.integer({ min: 1, max: 40 }).map((n) => `;COUNT=${n}`),
    fc
      .integer({ min: 0, max: 400 })
      .map(
        (d) =>
          `;UNTIL=${new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10).replace(/-/g, "")}T235959`,
      ),
  );
  // Starts and windows biased to the small hours, where clock changes bite.
  const hours = fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 2, 3));

  it("property: over random rules, zones and windows, expandBetween and expandInstants give the oracle's occurrences", () => {
    const from = Date.UTC(2026, 0, 1);
    const to = Date.UTC(2027, 6, 1);
    const clocks = new Map(ZONES.map((z) => [z, zoneClock(z, from, to)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        rules,
        ends,
        fc.integer({ min: 0, max: 200 }),
        hours,
        fc.constantFrom(0, 15, 30, 45),
        fc.integer({ min: 0, max: 420 }),
        fc.integer({ min: 1, max: 90 }),
        (zone, body, end, startDay, hour, minute, offsetDays, lengthDays) => {
          const rule = `${body}${end}`;
          const start = new Date(Date.UTC(2026, 0, 1) + startDay * 86_400_000).toISOString().slice(0, 10);
          const startsOnLocal = `${start}T${pad(hour)}:${pad(minute)}:00`;
          const a = from + offsetDays * 86_400_000;
          const b = a + lengthDays * 86_400_000;
          const expected = reference(rule, startsOnLocal, zone, a, b);
          expect(expandInstants(rule, startsOnLocal, clocks.get(zone)!, a, b)).toEqual(expected);
          expect(
            expandBetween({ rule, startsOnLocal, timeZone: zone }, new Date(a), new Date(b)).map((o) => ({
              local: floatingFromWall(o.local),
              start: o.start.getTime(),
            })),
          ).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("words a bad rule or start the same way for every caller", () => {
    const clock = zoneClock("Europe/London", Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1));
    const cases: [string, string, string][] = [
      ["FREQ=SOMETIMES", "2026-01-06T22:00:00", recurrenceMessages.needsFreq],
      ["NOPE=1", "2026-01-06T22:00:00", recurrenceMessages.notARule("NOPE=1")],
      // rrule.js alone crashes on the first and never returns on the second.
      ["FREQ=WEEKLY;BYDAY=XX", "2026-01-06T22:00:00", recurrenceMessages.notARule("FREQ=WEEKLY;BYDAY=XX")],
      ["FREQ=WEEKLY;INTERVAL=abc", "2026-01-06T22:00:00", recurrenceMessages.notARule("FREQ=WEEKLY;INTERVAL=abc")],
      ["FREQ=DAILY;COUNT=0", "2026-01-06T22:00:00", recurrenceMessages.notARule("FREQ=DAILY;COUNT=0")],
      ["BYDAY=MO", "2026-01-06T22:00:00", recurrenceMessages.needsFreq],
      ["DTSTART:20260106T220000", "2026-01-06T22:00:00", recurrenceMessages.carriesStartOrZone],
      ["FREQ=DAILY", "2026-13-01T22:00", recurrenceMessages.badStart("2026-13-01T22:00")],
    ];
    for (const [rule, startsOnLocal, message] of cases) {
      const input = { rule, startsOnLocal, timeZone: "Europe/London" };
      expect(() => expandBetween(input, new Date(0), new Date(0))).toThrow(message);
      expect(() => expandInstants(rule, startsOnLocal, clock, 0, 0)).toThrow(message);
    }
  });
});
