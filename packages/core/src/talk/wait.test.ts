import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TYPICAL_CALL_MINUTES } from "./matching.js";
import { estimateWaitMinutes, type RecentAnswers } from "./wait.js";

const min = 60_000;
const history = fc.record({
  answerMs: fc.array(fc.integer({ min: 0, max: 20 * min }), { maxLength: 30 }),
  callMs: fc.array(fc.integer({ min: 0, max: 90 * min }), { maxLength: 30 }),
});
const line = fc.record({
  position: fc.integer({ min: 1, max: 40 }),
  free: fc.integer({ min: 0, max: 10 }),
  onCall: fc.integer({ min: 1, max: 10 }),
});

describe("the wait a worker is shown", () => {
  it("learns from recent answers: volunteers answering in ~3 min and 20-minute calls", () => {
    const recent: RecentAnswers = { answerMs: [2 * min, 3 * min, 4 * min], callMs: [18 * min, 20 * min, 25 * min] };
    expect(estimateWaitMinutes(1, 1, 2, recent)).toBe(3); // someone free: just the answering
    expect(estimateWaitMinutes(2, 0, 2, recent)).toBe(23); // one round of calls ahead
    expect(estimateWaitMinutes(5, 0, 2, recent)).toBe(63); // three rounds
  });

  it("with too little history, a cautious default (a minute to answer, 15-minute calls)", () => {
    expect(estimateWaitMinutes(1, 1, 1)).toBe(1);
    expect(estimateWaitMinutes(3, 1, 2)).toBe(1 + TYPICAL_CALL_MINUTES);
    expect(estimateWaitMinutes(3, 1, 2, { answerMs: [9 * min, 9 * min], callMs: [40 * min] })).toBe(16);
  });

  it("says nothing when nobody is on call", () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 40 }), (recent, position) => {
        expect(estimateWaitMinutes(position, 0, 0, recent)).toBeNull();
      }),
    );
  });

  it("is a whole number of minutes, at least one", () => {
    fc.assert(
      fc.property(line, history, ({ position, free, onCall }, recent) => {
        const m = estimateWaitMinutes(position, free, onCall, recent)!;
        expect(Number.isInteger(m)).toBe(true);
        expect(m).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it("never promises someone further back a shorter wait than someone ahead (first come, first served)", () => {
    fc.assert(
      fc.property(line, history, ({ position, free, onCall }, recent) => {
        expect(estimateWaitMinutes(position + 1, free, onCall, recent)!).toBeGreaterThanOrEqual(
          estimateWaitMinutes(position, free, onCall, recent)!,
        );
      }),
    );
  });

  it("longer recent calls never shorten the estimate; more volunteers on call never lengthen it", () => {
    fc.assert(
      fc.property(line, history, fc.integer({ min: 0, max: 30 * min }), ({ position, free, onCall }, recent, extra) => {
        const longer = { answerMs: recent.answerMs, callMs: recent.callMs.map((c) => c + extra) };
        expect(estimateWaitMinutes(position, free, onCall, longer)!).toBeGreaterThanOrEqual(
          estimateWaitMinutes(position, free, onCall, recent)!,
        );
        expect(estimateWaitMinutes(position, free, onCall + 1, recent)!).toBeLessThanOrEqual(
          estimateWaitMinutes(position, free, onCall, recent)!,
        );
      }),
    );
  });

  it("one very long call does not move a median of typical ones", () => {
    const typical = { answerMs: [min, min, min, min], callMs: [10 * min, 10 * min, 10 * min, 10 * min] };
    const withOutlier = { ...typical, callMs: [...typical.callMs, 180 * min] };
    expect(estimateWaitMinutes(3, 0, 1, withOutlier)).toBe(estimateWaitMinutes(3, 0, 1, typical));
  });
});
