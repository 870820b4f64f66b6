import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { expandBetween } from "../time/recurrence.js";
import { checkEligibility, ELIGIBILITY_REACH_MS, prepareRota } from "./engine.js";
import type { RotaAssignment, RotaLimits, RotaTemplate } from "./schema.js";
import { LONDON, slotTemplates, volunteer } from "./testing.js";

/**
 * ELIGIBILITY_REACH_MS is what the database loads around a slot before asking
 * the engine about it (db/src/rota/eligibility.ts). These say it is enough:
 * slots held further away never change the answer.
 */

const DAY = 86_400_000;
const MIN = 60_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** Any daily slot: start on the quarter hour, 15 minutes to 12 hours (the longest a template allows). */
const anyDaily = fc
  .record({ quarter: fc.integer({ min: 0, max: 95 }), minutes: fc.integer({ min: 1, max: 48 }).map((q) => q * 15) })
  .map(({ quarter, minutes }): RotaTemplate => ({
    id: "any",
    name: "Any daily",
    kind: "talk-line",
    rule: "FREQ=DAILY",
    startsOnLocal: `2025-12-01T${pad(Math.floor(quarter / 4))}:${pad((quarter % 4) * 15)}:00`,
    durationMinutes: minutes,
    minVolunteers: 1,
    maxVolunteers: 2,
  }));

/** Slots at 00:00 on the local clock: the first minutes of a week, or of a night's second half. */
const midnight: RotaTemplate = {
  ...slotTemplates.late,
  id: "midnight",
  name: "Midnight",
  startsOnLocal: "2025-12-01T00:00:00",
  durationMinutes: 30,
};

// Limits near what three slots a day add up to, so the far edges of a week or a run decide.
const limits = fc.record({
  maxSlotsPerWeek: fc.integer({ min: 0, max: 21 }),
  maxHoursPerWeek: fc.integer({ min: 0, max: 240 }).map((q) => q / 4),
  maxConsecutiveLateNights: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constant(7)),
}) as fc.Arbitrary<Partial<RotaLimits>>;

/** A day in 2026, often a Sunday of a clock change (29 March, 25 October in London) or near one. */
const anchorDay = fc.oneof(
  fc.integer({ min: 0, max: 364 }),
  fc.integer({ min: 80, max: 94 }),
  fc.integer({ min: 290, max: 304 }),
  fc.constantFrom(87, 297),
);

describe("ELIGIBILITY_REACH_MS", () => {
  it("property: slots held further than the reach from a slot never change whether someone may take it, or why not", () => {
    fc.assert(
      fc.property(
        anyDaily,
        limits,
        anchorDay,
        // Most slots held (four in five), so limits are near.
        fc.infiniteStream(fc.integer({ min: 0, max: 4 }).map((n) => n > 0)),
        fc.nat(),
        (any, prefs, day, held, pick) => {
          const templates = [any, slotTemplates.late, midnight];
          const anchor = Date.UTC(2026, 0, 1) + day * DAY;
          const around = (t: RotaTemplate) =>
            expandBetween(
              { rule: t.rule, startsOnLocal: t.startsOnLocal, timeZone: LONDON },
              new Date(anchor - 30 * DAY),
              new Date(anchor + 30 * DAY),
            ).map((o) => ({ templateId: t.id, start: o.start }));
          const occurrences = templates.flatMap(around);
          const candidates = occurrences.filter((o) => o.start.getTime() >= anchor && o.start.getTime() < anchor + DAY);
          const slot = candidates[pick % candidates.length]!;
          const coin = held[Symbol.iterator]();
          const assignments: RotaAssignment[] = occurrences
            .filter((o) => o !== slot && coin.next().value)
            .map((o) => ({ volunteerId: "v", ...o }));
          const start = slot.start.getTime();
          const verdict = (kept: RotaAssignment[]) => {
            const board = prepareRota({
              timeZone: LONDON,
              from: slot.start,
              to: new Date(start + MIN),
              templates,
              volunteers: [volunteer("v").prefers(prefs).build()],
              assignments: kept,
            });
            const e = checkEligibility(board, "v", `${slot.templateId}@${slot.start.toISOString()}`);
            return e.eligible ? [] : e.reasons.map((r) => r.code);
          };
          const near = assignments.filter((a) => Math.abs(a.start.getTime() - start) < ELIGIBILITY_REACH_MS);
          // The same answer for the same reasons. (A late-night run longer than the reach is
          // counted only as far as it: "would be 9 late nights in a row" where there are 12.)
          expect(verdict(near)).toEqual(verdict(assignments));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("is more than a week: a Monday 00:00 slot counts toward the weekly max of 23:30 on the Sunday the clocks go back", () => {
    const templates: RotaTemplate[] = [
      {
        ...slotTemplates.late,
        id: "mon",
        rule: "FREQ=WEEKLY;BYDAY=MO",
        startsOnLocal: "2026-10-05T00:00:00",
        durationMinutes: 60,
      },
      {
        ...slotTemplates.late,
        id: "sun",
        rule: "FREQ=WEEKLY;BYDAY=SU",
        startsOnLocal: "2026-10-04T23:30:00",
        durationMinutes: 60,
      },
    ];
    const monday = new Date("2026-10-18T23:00:00Z"); // 00:00 BST on Monday 19 October
    const sunday = new Date("2026-10-25T23:30:00Z"); // 23:30 GMT on Sunday 25 October
    expect(sunday.getTime() - monday.getTime()).toBeGreaterThan(7 * DAY);
    expect(sunday.getTime() - monday.getTime()).toBeLessThan(ELIGIBILITY_REACH_MS);
    const board = prepareRota({
      timeZone: LONDON,
      from: sunday,
      to: new Date(sunday.getTime() + MIN),
      templates,
      volunteers: [volunteer("v").prefers({ maxSlotsPerWeek: 1 }).build()],
      assignments: [{ volunteerId: "v", templateId: "mon", start: monday }],
    });
    expect(checkEligibility(board, "v", `sun@${sunday.toISOString()}`)).toMatchObject({
      eligible: false,
      reasons: [{ code: "weekly_max_slots" }],
    });
  });
});
