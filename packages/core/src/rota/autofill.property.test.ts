import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { WEEKDAYS } from "../time/recurrence-builder.js";
import { instantFromWallTime, wallTimeAt } from "../time/zoned.js";
import { applyProposals, autoFill, checkEligibility, heldSlotClashes, prepareRota, type RotaBoard } from "./engine.js";
import { buildWorkPattern, shiftDays, workPatternIssues } from "./pattern.js";
import {
  DEFAULT_LIMITS,
  minutesOfDay,
  SHIFT_PRESETS,
  type RotaAssignment,
  type RotaLimits,
  type AvailabilityWindow,
  type WorkPatternRules,
  type RotaTemplate,
  type ShiftTemplate,
  type WorkPatternBuilder,
} from "./schema.js";
import { LONDON, slotTemplates } from "./testing.js";

/** The generated input, with concrete types (the schema's input types are looser). */
interface Input {
  timeZone: string;
  from: Date;
  to: Date;
  templates: RotaTemplate[];
  volunteers: {
    id: string;
    shifts: ShiftTemplate[];
    pattern: WorkPatternRules;
    preferences: Partial<RotaLimits> & { windows: AvailabilityWindow[] };
  }[];
  assignments: RotaAssignment[];
}

const DAY = 86_400_000;
const MIN = 60_000;

const customShift = fc
  .record({ start: fc.integer({ min: 0, max: 95 }), length: fc.integer({ min: 8, max: 52 }) })
  .map(({ start, length }): ShiftTemplate => {
    const hhmm = (q: number) =>
      `${String(Math.floor((q % 96) / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`;
    return {
      id: "custom",
      name: "custom shift",
      parts: [{ start: hhmm(start), end: hhmm(start + length), endsNextDay: start + length >= 96 }],
    };
  });

const volunteerArb = (id: string) =>
  fc
    .record({
      custom: customShift,
      everyWeeks: fc.integer({ min: 1, max: 2 }),
      entries: fc.array(
        fc.record({
          week: fc.integer({ min: 1, max: 2 }),
          day: fc.constantFrom(...WEEKDAYS),
          shiftId: fc.constantFrom("early", "late", "night", "split", "long-day", "custom"),
        }),
        { maxLength: 10 },
      ),
      limits: fc.record(
        {
          maxSlotsPerWeek: fc.integer({ min: 0, max: 5 }),
          maxHoursPerWeek: fc.integer({ min: 0, max: 48 }).map((q) => q / 4),
          maxConsecutiveLateNights: fc.integer({ min: 0, max: 4 }),
          bufferAfterWorkMinutes: fc.integer({ min: 15, max: 120 }),
          minRestBeforeWorkMinutes: fc.integer({ min: 240, max: 720 }),
        },
        { requiredKeys: [] },
      ),
      windows: fc.array(
        fc.record({
          days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
          from: fc.constantFrom("00:00", "06:00", "12:00", "18:00", "21:00"),
          to: fc.constantFrom("00:00", "02:00", "09:00", "16:00", "23:30"),
        }),
        { maxLength: 2 },
      ),
    })
    .map(({ custom, everyWeeks, entries, limits, windows }) => {
      const shifts = [...SHIFT_PRESETS, custom];
      const b: WorkPatternBuilder = { cycleStartsOn: "2026-01-05", everyWeeks, shifts: [], changes: [] };
      // Keep only entries that leave a valid pattern (no overlaps).
      for (const e of entries) {
        if (e.week > everyWeeks) continue;
        const next = { ...b, shifts: [...b.shifts, e] };
        if (workPatternIssues(next, shifts).length === 0) b.shifts = next.shifts;
      }
      return { id, shifts, pattern: buildWorkPattern(b, shifts), preferences: { ...limits, windows } };
    });

const templateArb = fc
  .tuple(
    fc.record({ min: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ min: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ min: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 0, max: 2 }) }),
  )
  .map((sizes): RotaTemplate[] =>
    [
      slotTemplates.late,
      slotTemplates.early,
      {
        ...slotTemplates.gap,
        rule: "FREQ=DAILY",
        startsOnLocal: "2026-01-05T01:30:00",
        id: "small",
        name: "Small hours",
      },
    ].map((t, i) => ({
      ...t,
      minVolunteers: sizes[i]!.min,
      maxVolunteers: Math.max(1, sizes[i]!.min + sizes[i]!.extra),
    })),
  );

/** Windows that often straddle a clock change. */
const windowStart = fc.oneof(
  fc.constantFrom("2026-03-23", "2026-10-19", "2026-03-26", "2026-10-22"),
  fc.integer({ min: 0, max: 360 }).map((d) => new Date(Date.UTC(2026, 0, 5) + d * DAY).toISOString().slice(0, 10)),
);

const inputArb = fc
  .record({
    start: windowStart,
    days: fc.integer({ min: 3, max: 16 }),
    count: fc.integer({ min: 1, max: 8 }),
    templates: templateArb,
    seed: fc.integer(),
  })
  .chain(({ start, days, count, templates, seed }) =>
    fc
      .tuple(...Array.from({ length: count }, (_, i) => volunteerArb(`v${i}`)))
      .map((volunteers) => ({ start, days, templates, volunteers, seed })),
  )
  .map(({ start, days, templates, volunteers, seed }): Input => {
    const from = new Date(`${start}T00:00:00Z`);
    const to = new Date(from.getTime() + days * DAY);
    // A few existing assignments, chosen from real slots, even ones that break rules.
    const board = prepareRota({ timeZone: LONDON, from, to, templates, volunteers });
    const assignments: RotaAssignment[] = [];
    let x = seed >>> 0;
    for (const slot of board.slots) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      if (x % 7 === 0 && volunteers.length)
        assignments.push({
          volunteerId: volunteers[x % volunteers.length]!.id,
          templateId: slot.templateId,
          start: slot.start,
        });
    }
    return { timeZone: LONDON, from, to, templates, volunteers, assignments };
  });

/** An independent reading of the rules, using the slow, reference time functions. */
function referenceWork(input: Input, volunteerId: string) {
  const v = input.volunteers.find((x) => x.id === volunteerId)!;
  const from = input.from.getTime();
  const to = input.to.getTime();
  const parts: { start: number; end: number; first: boolean; shiftStart: number }[] = [];
  for (const { shiftId, day } of shiftDays(v.pattern, Math.floor(from / DAY) - 3, Math.floor(to / DAY) + 3)) {
    const shift = v.shifts.find((s) => s.id === shiftId)!;
    let shiftStart = 0;
    shift.parts.forEach((p, i) => {
      const d = new Date(day * DAY);
      const at = (hhmm: string, next: boolean) =>
        instantFromWallTime(
          {
            year: d.getUTCFullYear(),
            month: d.getUTCMonth() + 1,
            day: d.getUTCDate() + (next ? 1 : 0),
            hour: Number(hhmm.slice(0, 2)),
            minute: Number(hhmm.slice(3)),
          },
          LONDON,
        ).getTime();
      const start = at(p.start, false);
      const nextDay = (p.endsNextDay ?? false) || minutesOfDay(p.end) <= minutesOfDay(p.start);
      let end = at(p.end, nextDay);
      if (end <= start) end = start + (minutesOfDay(p.end) + (nextDay ? 1440 : 0) - minutesOfDay(p.start)) * MIN;
      if (i === 0) shiftStart = start;
      parts.push({ start, end, first: i === 0, shiftStart });
    });
  }
  return { parts, limits: { ...DEFAULT_LIMITS, ...v.preferences }, windows: v.preferences.windows };
}

const weekOf = (t: number) => {
  const w = wallTimeAt(t, LONDON);
  const day = Date.UTC(w.year, w.month - 1, w.day) / DAY;
  return day - ((day + 3) % 7);
};

function checkProposals(input: Input, board: RotaBoard, result: ReturnType<typeof autoFill>) {
  const templates = new Map(input.templates.map((t) => [t.id, t]));
  const all = applyProposals(input.assignments, result.proposals);
  const slotsById = new Map(board.slots.map((s) => [s.id, s]));
  const perSlot = new Map<string, number>();
  for (const a of all) {
    const id = `${a.templateId}@${a.start.toISOString()}`;
    perSlot.set(id, (perSlot.get(id) ?? 0) + 1);
  }
  for (const p of result.proposals) {
    const slot = slotsById.get(p.slotId)!;
    // filled <= max, and only uncovered slots are filled.
    expect(perSlot.get(p.slotId)!).toBeLessThanOrEqual(slot.maxVolunteers);
    expect(slot.volunteerIds.length).toBeLessThan(slot.minVolunteers);
    expect(slot.volunteerIds).not.toContain(p.volunteerId);

    const { parts, limits, windows } = referenceWork(input, p.volunteerId);
    const s = slot.start.getTime();
    const e = slot.end.getTime();
    for (const part of parts) {
      // Never during work or within the buffer after it.
      expect(s >= part.end + limits.bufferAfterWorkMinutes * MIN || e <= part.start).toBe(true);
      if (part.start >= e) {
        const inSplitGap = !part.first && part.shiftStart < s;
        const need = inSplitGap ? limits.bufferAfterWorkMinutes : limits.minRestBeforeWorkMinutes;
        if (part.first || inSplitGap) expect(part.start - e).toBeGreaterThanOrEqual(need * MIN);
      }
    }
    if (windows.length) {
      const ws = wallTimeAt(s, LONDON);
      const we = wallTimeAt(e, LONDON);
      const fs = Date.UTC(ws.year, ws.month - 1, ws.day, ws.hour, ws.minute);
      const fe = Date.UTC(we.year, we.month - 1, we.day, we.hour, we.minute);
      const ok = windows.some((w) =>
        [0, 1].some((back) => {
          const base = Math.floor(fs / DAY) * DAY - back * DAY;
          const wd = WEEKDAYS[(base / DAY + 3) % 7]!;
          const a = minutesOfDay(w.from);
          const b = minutesOfDay(w.to);
          return w.days.includes(wd) && base + a * MIN <= fs && fe <= base + (b <= a ? b + 1440 : b) * MIN;
        }),
      );
      expect(ok).toBe(true);
    }

    // Limits hold over existing + proposed for this volunteer.
    const mine = all
      .filter((a) => a.volunteerId === p.volunteerId)
      .map((a) => ({
        start: a.start.getTime(),
        end: a.start.getTime() + templates.get(a.templateId)!.durationMinutes * MIN,
      }));
    const week = weekOf(s);
    const sameWeek = mine.filter((m) => weekOf(m.start) === week);
    expect(sameWeek.length).toBeLessThanOrEqual(limits.maxSlotsPerWeek);
    expect(sameWeek.reduce((n, m) => n + (m.end - m.start) / MIN, 0)).toBeLessThanOrEqual(limits.maxHoursPerWeek * 60);
    // No two of their slots overlap where one is proposed.
    for (const m of mine) if (m.start !== s) expect(m.end <= s || m.start >= e).toBe(true);
  }
}

describe("auto-fill properties", () => {
  it("never breaks a hard rule, never overfills, and is deterministic and idempotent", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const board = prepareRota(input);
        const result = autoFill(board);
        checkProposals(input, board, result);
        // Deterministic: a fresh run on the same input gives the same answer.
        expect(autoFill(prepareRota(input))).toEqual(result);
        // Idempotent: applying the proposals and running again proposes nothing.
        const applied = { ...input, assignments: applyProposals(input.assignments, result.proposals) };
        const again = autoFill(prepareRota(applied));
        expect(again.proposals).toEqual([]);
        expect(again.gaps.map((g) => [g.slotId, g.filled])).toEqual(result.gaps.map((g) => [g.slotId, g.filled]));
        // Filling up to the maximum keeps the same rules.
        const toMax = autoFill(board, { fillTo: "max" });
        for (const p of toMax.proposals) {
          const slot = board.slots.find((s) => s.id === p.slotId)!;
          expect(
            slot.volunteerIds.length + toMax.proposals.filter((q) => q.slotId === p.slotId).length,
          ).toBeLessThanOrEqual(slot.maxVolunteers);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("consecutive late nights never exceed the limit where a proposal adds one", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const board = prepareRota(input);
        const { proposals } = autoFill(board);
        const all = applyProposals(input.assignments, proposals);
        const slots = new Map(board.slots.map((s) => [s.id, s]));
        for (const p of proposals) {
          const v = input.volunteers.find((x) => x.id === p.volunteerId)!;
          const max = v.preferences.maxConsecutiveLateNights ?? DEFAULT_LIMITS.maxConsecutiveLateNights;
          const nightOf = (a: { templateId: string; start: Date }) => {
            const t = input.templates.find((x) => x.id === a.templateId)!;
            const w = wallTimeAt(a.start, LONDON);
            const minute = w.hour * 60 + w.minute;
            const late = minute >= 22 * 60 || minute < 5 * 60 || minute + t.durationMinutes > 22 * 60;
            if (!late) return null;
            return Date.UTC(w.year, w.month - 1, w.day) / DAY - (minute < 12 * 60 ? 1 : 0);
          };
          const night = nightOf(slots.get(p.slotId)!);
          if (night === null) continue;
          const nights = new Set(all.filter((a) => a.volunteerId === p.volunteerId).map(nightOf));
          let run = 1;
          for (let n = night - 1; nights.has(n); n--) run++;
          for (let n = night + 1; nights.has(n); n++) run++;
          // Every night added by a proposal sits in a run no longer than the limit (existing
          // assignments alone may already break it; then the proposal must not be on such a night).
          const existing = new Set(input.assignments.filter((a) => a.volunteerId === p.volunteerId).map(nightOf));
          if (!existing.has(night)) expect(run).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 40 },
    );
  });
});

/** The rules about time: the ones a slot already held is asked again. */
const TIME_CODES = new Set([
  "double_booked",
  "at_work",
  "after_work",
  "split_return",
  "rest_before_work",
  "outside_windows",
]);

describe("slots already held, after a pattern changes", () => {
  it("clash for exactly the time reasons that would stop someone taking them, and holding one never changes that", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const board = prepareRota(input);
        for (const v of input.volunteers) {
          for (const slot of board.slots) {
            const held = input.assignments.some(
              (a) => a.volunteerId === v.id && `${a.templateId}@${a.start.toISOString()}` === slot.id,
            );
            const clashes = heldSlotClashes(board, v.id, slot.id);
            // Whether they hold it or not: the same answer as on a board where they do not.
            const without = held
              ? prepareRota({
                  ...input,
                  assignments: input.assignments.filter(
                    (a) => !(a.volunteerId === v.id && `${a.templateId}@${a.start.toISOString()}` === slot.id),
                  ),
                })
              : board;
            expect(heldSlotClashes(without, v.id, slot.id)).toEqual(clashes);
            // The codes are the time rules the engine gives someone not on it, in the same order.
            const e = checkEligibility(without, v.id, slot.id);
            const timeCodes = e.eligible ? [] : e.reasons.map((r) => r.code).filter((c) => TIME_CODES.has(c));
            expect(clashes.map((r) => r.code)).toEqual(timeCodes);
            // So a slot someone could take never shows as clashing once they hold it.
            if (e.eligible) {
              const taken = prepareRota({
                ...input,
                assignments: [
                  ...input.assignments,
                  { volunteerId: v.id, templateId: slot.templateId, start: slot.start },
                ],
              });
              expect(heldSlotClashes(taken, v.id, slot.id)).toEqual([]);
            }
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("the same answer in any process time zone", () => {
  it("runs under the zone the project set", () => {
    if (process.env.TZ) expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
  });

  it("gives a fixed answer for a fixed rota across both clock changes", () => {
    const volunteers = Array.from({ length: 40 }, (_, i) => {
      const shifts = [...SHIFT_PRESETS];
      const kinds = ["early", "late", "night", "split", "long-day"];
      const b: WorkPatternBuilder = {
        cycleStartsOn: "2026-01-05",
        everyWeeks: 1 + (i % 2),
        shifts: [],
        changes: [],
      };
      for (let d = 0; d < 7; d++) {
        const e = { week: 1 + ((i + d) % b.everyWeeks), day: WEEKDAYS[d]!, shiftId: kinds[(i * 3 + d) % 5]! };
        if ((i + d) % 3 !== 0 && workPatternIssues({ ...b, shifts: [...b.shifts, e] }, shifts).length === 0)
          b.shifts.push(e);
      }
      return {
        id: `v${String(i).padStart(2, "0")}`,
        shifts,
        pattern: buildWorkPattern(b, shifts),
        preferences: { maxSlotsPerWeek: 1 + (i % 4), maxConsecutiveLateNights: 1 + (i % 3) },
      };
    });
    const digest = (from: string, to: string) => {
      const result = autoFill(
        prepareRota({
          timeZone: LONDON,
          from: new Date(from),
          to: new Date(to),
          templates: [slotTemplates.late, slotTemplates.early, slotTemplates.gap],
          volunteers,
        }),
      );
      return createHash("sha256").update(JSON.stringify(result)).digest("hex").slice(0, 16);
    };
    expect([
      digest("2026-03-16T00:00:00Z", "2026-04-06T00:00:00Z"),
      digest("2026-10-12T00:00:00Z", "2026-11-02T00:00:00Z"),
    ]).toEqual(["e60c1c82bfb02fc7", "7156088f62dcef18"]);
  });
});
