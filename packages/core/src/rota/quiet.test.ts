import { describe, expect, it } from "vitest";
import { buildWorkPattern } from "./pattern.js";
import {
  currentOrNextQuietHours,
  isLateOrNightShift,
  isQuietAt,
  quietHoursEndAfter,
  quietPeriods,
  type QuietHoursInput,
} from "./quiet.js";
import { SHIFT_PRESETS, type ShiftTemplate, type WorkPatternBuilder } from "./schema.js";
import { preferencesForm } from "./volunteer.js";
import { LONDON } from "./testing.js";

const at = (iso: string) => new Date(iso);

function worker(
  pattern: Omit<WorkPatternBuilder, "changes"> & { changes?: WorkPatternBuilder["changes"] },
  options: { rest?: number; timeZone?: string; shifts?: ShiftTemplate[] } = {},
): QuietHoursInput {
  const shifts = options.shifts ?? [...SHIFT_PRESETS];
  return {
    shifts,
    pattern: buildWorkPattern({ changes: [], ...pattern }, shifts),
    restAfterShiftMinutes: options.rest,
    timeZone: options.timeZone ?? LONDON,
  };
}

describe("quiet hours after a night until 07:00 with 8 h rest", () => {
  // Monday night 22:00 to Tuesday 07:00 (GMT in January).
  const v = worker(
    { cycleStartsOn: "2027-01-11", everyWeeks: 1, shifts: [{ week: 1, day: "MO", shiftId: "night" }] },
    { rest: 480 },
  );

  it("holds every rota push from 07:00 until 15:00 and none after", () => {
    expect(isQuietAt(v, at("2027-01-12T06:59:59Z"))).toBe(false); // still at work: not rest yet
    expect(isQuietAt(v, at("2027-01-12T07:00:00Z"))).toBe(true);
    expect(isQuietAt(v, at("2027-01-12T11:00:00Z"))).toBe(true);
    expect(isQuietAt(v, at("2027-01-12T14:59:59Z"))).toBe(true);
    expect(isQuietAt(v, at("2027-01-12T15:00:00Z"))).toBe(false);
  });

  it("says quiet hours end at 15:00, and at the moment asked when they are not on", () => {
    expect(quietHoursEndAfter(v, at("2027-01-12T07:30:00Z"))).toEqual(at("2027-01-12T15:00:00Z"));
    expect(quietHoursEndAfter(v, at("2027-01-12T16:00:00Z"))).toEqual(at("2027-01-12T16:00:00Z"));
  });

  it("comes back the next week, and not on the nights they do not work", () => {
    expect(isQuietAt(v, at("2027-01-19T10:00:00Z"))).toBe(true);
    expect(isQuietAt(v, at("2027-01-13T10:00:00Z"))).toBe(false);
  });

  it("is 15:00 on the clock in summer time and on both clock-change nights", () => {
    const every = {
      cycleStartsOn: "2027-03-22",
      everyWeeks: 1,
      shifts: [{ week: 1, day: "SA" as const, shiftId: "night" }],
    };
    const summer = worker(every, { rest: 480 });
    // Saturday 27 March 22:00 GMT to Sunday 28 March 07:00 BST (06:00Z): 8 h is 14:00Z, 15:00 BST.
    expect(isQuietAt(summer, at("2027-03-28T05:59:00Z"))).toBe(false);
    expect(quietHoursEndAfter(summer, at("2027-03-28T06:00:00Z"))).toEqual(at("2027-03-28T14:00:00Z"));
    // Saturday 30 October 22:00 BST to Sunday 31 October 07:00 GMT.
    expect(quietHoursEndAfter(summer, at("2027-10-31T07:00:00Z"))).toEqual(at("2027-10-31T15:00:00Z"));
    expect(isQuietAt(summer, at("2027-10-31T06:30:00Z"))).toBe(false);
    // A plain summer Sunday.
    expect(quietHoursEndAfter(summer, at("2027-06-13T06:00:00Z"))).toEqual(at("2027-06-13T14:00:00Z"));
  });

  it("follows the volunteer's own zone", () => {
    const ny = worker(
      { cycleStartsOn: "2027-01-11", everyWeeks: 1, shifts: [{ week: 1, day: "MO", shiftId: "night" }] },
      { rest: 480, timeZone: "America/New_York" },
    );
    // 07:00 EST is 12:00Z; 15:00 EST is 20:00Z.
    expect(isQuietAt(ny, at("2027-01-12T11:59:00Z"))).toBe(false);
    expect(quietHoursEndAfter(ny, at("2027-01-12T12:00:00Z"))).toEqual(at("2027-01-12T20:00:00Z"));
  });

  it("tells the volunteer the quiet hours they are in, or the next ones this week", () => {
    expect(currentOrNextQuietHours(v, at("2027-01-12T09:00:00Z"))).toEqual({
      start: at("2027-01-12T07:00:00Z"),
      end: at("2027-01-12T15:00:00Z"),
      shift: "night",
      now: true,
    });
    expect(currentOrNextQuietHours(v, at("2027-01-13T09:00:00Z"))).toMatchObject({
      start: at("2027-01-19T07:00:00Z"),
      now: false,
    });
    expect(currentOrNextQuietHours(v, at("2027-01-13T09:00:00Z"), 86_400_000)).toBeNull();
  });

  it("uses 8 hours when the volunteer has not said", () => {
    const unset = worker({
      cycleStartsOn: "2027-01-11",
      everyWeeks: 1,
      shifts: [{ week: 1, day: "MO", shiftId: "night" }],
    });
    expect(quietHoursEndAfter(unset, at("2027-01-12T08:00:00Z"))).toEqual(at("2027-01-12T15:00:00Z"));
  });
});

describe("which shifts make quiet hours", () => {
  const preset = (id: string) => SHIFT_PRESETS.find((s) => s.id === id)!;

  it("late, night and a split ending late do; early and a long day ending at 20:00 do not", () => {
    expect(isLateOrNightShift(preset("night"))).toBe(true);
    expect(isLateOrNightShift(preset("late"))).toBe(true);
    expect(isLateOrNightShift(preset("split"))).toBe(true);
    expect(isLateOrNightShift(preset("early"))).toBe(false);
    expect(isLateOrNightShift(preset("long-day"))).toBe(false);
    expect(
      isLateOrNightShift({
        id: "small",
        name: "small hours",
        parts: [{ start: "00:00", end: "06:00", endsNextDay: false }],
      }),
    ).toBe(true);
  });

  it("a late shift's quiet hours cross midnight", () => {
    const v = worker(
      { cycleStartsOn: "2027-01-11", everyWeeks: 1, shifts: [{ week: 1, day: "WE", shiftId: "late" }] },
      { rest: 480 },
    );
    expect(isQuietAt(v, at("2027-01-13T21:59:00Z"))).toBe(false);
    expect(isQuietAt(v, at("2027-01-14T00:30:00Z"))).toBe(true);
    expect(quietHoursEndAfter(v, at("2027-01-13T22:00:00Z"))).toEqual(at("2027-01-14T06:00:00Z"));
  });

  it("a split shift's gap is not quiet; the end of its second part is", () => {
    const v = worker(
      { cycleStartsOn: "2027-01-11", everyWeeks: 1, shifts: [{ week: 1, day: "TH", shiftId: "split" }] },
      { rest: 600 },
    );
    expect(isQuietAt(v, at("2027-01-14T13:30:00Z"))).toBe(false);
    expect(quietHoursEndAfter(v, at("2027-01-14T22:00:00Z"))).toEqual(at("2027-01-15T08:00:00Z"));
  });

  it("an early-shift worker never has quiet hours", () => {
    const v = worker({
      cycleStartsOn: "2027-01-11",
      everyWeeks: 1,
      shifts: ["MO", "TU", "WE", "TH", "FR"].map((day) => ({ week: 1, day: day as "MO", shiftId: "early" })),
    });
    expect(quietPeriods(v, at("2027-01-11T00:00:00Z"), at("2027-01-25T00:00:00Z"))).toEqual([]);
  });

  it("a rotating pattern is quiet only after the weeks with nights", () => {
    // Week 1 earlies, week 2 nights, two-week rotation from Monday 11 January.
    const v = worker(
      {
        cycleStartsOn: "2027-01-11",
        everyWeeks: 2,
        shifts: [
          { week: 1, day: "MO", shiftId: "early" },
          { week: 2, day: "MO", shiftId: "night" },
        ],
      },
      { rest: 480 },
    );
    expect(isQuietAt(v, at("2027-01-12T10:00:00Z"))).toBe(false);
    expect(isQuietAt(v, at("2027-01-19T10:00:00Z"))).toBe(true);
    expect(isQuietAt(v, at("2027-01-26T10:00:00Z"))).toBe(false);
    expect(isQuietAt(v, at("2027-02-02T10:00:00Z"))).toBe(true);
  });

  it("an extra night counts, and a night taken off does not", () => {
    const v = worker(
      {
        cycleStartsOn: "2027-01-11",
        everyWeeks: 1,
        shifts: [{ week: 1, day: "MO", shiftId: "night" }],
        changes: [
          { kind: "off", date: "2027-01-18", shiftId: "night" },
          { kind: "extra", date: "2027-01-20", shiftId: "night" },
        ],
      },
      { rest: 480 },
    );
    expect(isQuietAt(v, at("2027-01-19T10:00:00Z"))).toBe(false);
    expect(isQuietAt(v, at("2027-01-21T10:00:00Z"))).toBe(true);
  });

  it("periods that meet are one: a late then a night the same evening", () => {
    const shifts: ShiftTemplate[] = [
      { id: "late", name: "late", parts: [{ start: "14:00", end: "22:00", endsNextDay: false }] },
      { id: "sleep-in", name: "sleep-in", parts: [{ start: "22:00", end: "01:00", endsNextDay: true }] },
    ];
    const v = worker(
      {
        cycleStartsOn: "2027-01-11",
        everyWeeks: 1,
        shifts: [
          { week: 1, day: "MO", shiftId: "late" },
          { week: 1, day: "MO", shiftId: "sleep-in" },
        ],
      },
      { rest: 240, shifts },
    );
    // 22:00 + 4 h and 01:00 + 4 h overlap: one stretch to 05:00.
    expect(quietHoursEndAfter(v, at("2027-01-11T22:30:00Z"))).toEqual(at("2027-01-12T05:00:00Z"));
  });
});

describe("the rest the volunteer states", () => {
  it("is asked in hours, stored in minutes, 4 to 16 hours", () => {
    expect(preferencesForm.parse({ restAfterShiftHours: "9.5", windows: [] }).restAfterShiftMinutes).toBe(570);
    expect(preferencesForm.parse({ restAfterShiftHours: "", windows: [] }).restAfterShiftMinutes).toBeUndefined();
    const tooShort = preferencesForm.safeParse({ restAfterShiftHours: "2", windows: [] });
    expect(tooShort.success).toBe(false);
    expect(tooShort.error?.issues[0]?.message).toBe(
      "The rest after a late or night shift must be between 4 and 16 hours",
    );
    expect(preferencesForm.safeParse({ restAfterShiftHours: "8.1", windows: [] }).error?.issues[0]?.message).toBe(
      "Give hours in quarters, like 8.5",
    );
  });
});
