import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUSY_RETRIES, busyRetryDelay } from "./busy.js";

describe("busyRetryDelay", () => {
  it("doubles from 200 ms, between half and all of each step", () => {
    expect([1, 2, 3, 4, 5].map((a) => busyRetryDelay(a, 0))).toEqual([100, 200, 400, 800, 1600]);
    expect([1, 2, 3, 4, 5].map((a) => busyRetryDelay(a, 0.999999))).toEqual([200, 400, 800, 1600, 3200]);
  });

  it("stays within [ceiling/2, ceiling], never grows past the last step, and all retries fit in ~6 s", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, random) => {
        const ceiling = 200 * 2 ** (Math.min(attempt, BUSY_RETRIES) - 1);
        const d = busyRetryDelay(attempt, random);
        return d >= ceiling / 2 && d <= ceiling;
      }),
    );
    const worst = Array.from({ length: BUSY_RETRIES }, (_, i) => busyRetryDelay(i + 1, 0.999999));
    expect(worst.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6200);
  });

  it("refuses an attempt that is not a positive integer", () => {
    expect(() => busyRetryDelay(0, 0.5)).toThrow(/positive integer/);
    expect(() => busyRetryDelay(1.5, 0.5)).toThrow(/positive integer/);
  });
});
