import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { floatingFromWall } from "./floating.js";
import { zoneClock } from "./zone-clock.js";
import { instantFromWallTime, type WallTime } from "./zoned.js";

const ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"];

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
