import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { expandBetween } from "./recurrence.js";
import { instantFromWallTime, parseFloating, wallTimeAt } from "./zoned.js";
import { DomainError } from "../errors.js";

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
          const pad = (n: number) => String(n).padStart(2, "0");
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
