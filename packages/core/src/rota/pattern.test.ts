import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DomainError } from "../errors.js";
import { fieldErrors } from "../people/schema.js";
import { WEEKDAYS } from "../time/recurrence-builder.js";
import { buildWorkPattern, builderFromWorkPattern, workPatternSchema } from "./pattern.js";
import { rotaLimits, shiftTemplate, SHIFT_PRESETS, volunteerPreferences, type WorkPatternBuilder } from "./schema.js";
import { buildRotaTemplate, coverTemplateForSeries } from "./templates.js";

const shifts = SHIFT_PRESETS;
const pattern = (over: Partial<WorkPatternBuilder> = {}): WorkPatternBuilder => ({
  cycleStartsOn: "2026-01-05",
  everyWeeks: 1,
  shifts: [],
  changes: [],
  ...over,
});
const messages = (b: unknown) => {
  const r = workPatternSchema(shifts).safeParse(b);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("work pattern builder", () => {
  it("stores one recurrence set per shift and week, with EXDATE for a shift off and RDATE for extras", () => {
    const rules = buildWorkPattern(
      pattern({
        until: "2026-12-31",
        shifts: [
          { week: 1, day: "TU", shiftId: "late" },
          { week: 1, day: "MO", shiftId: "late" },
          { week: 1, day: "FR", shiftId: "split" },
        ],
        changes: [
          { kind: "off", date: "2026-02-03", shiftId: "late" },
          { kind: "extra", date: "2026-02-07", shiftId: "early" },
          { kind: "extra", date: "2026-02-14", shiftId: "early" },
        ],
      }),
      shifts,
    );
    expect(rules.sets).toEqual([
      {
        shiftId: "late",
        rruleSet:
          "DTSTART:20260105T140000\nRRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU;UNTIL=20261231T235959\nEXDATE:20260203T140000",
      },
      {
        shiftId: "split",
        rruleSet: "DTSTART:20260109T070000\nRRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=FR;UNTIL=20261231T235959",
      },
      { shiftId: "early", rruleSet: "DTSTART:20260207T070000\nRDATE:20260214T070000" },
    ]);
  });

  it("property: the form reads back what it wrote (builder -> RRULE sets -> builder)", () => {
    const entry = fc.record({
      week: fc.integer({ min: 1, max: 4 }),
      day: fc.constantFrom(...WEEKDAYS),
      shiftId: fc.constantFrom("early", "late", "split", "long-day"),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2028-12-31T00:00:00Z"), noInvalidDate: true }),
        fc.uniqueArray(entry, { selector: (e) => `${e.week}${e.day}`, maxLength: 20 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 4 }),
        (everyWeeks, start, entries, extraDays) => {
          const b = pattern({
            everyWeeks,
            cycleStartsOn: start.toISOString().slice(0, 10),
            shifts: entries.filter((e) => e.week <= everyWeeks),
            // Nights only as extras, on days the pattern leaves free around them.
            changes: [],
          });
          const rules = buildWorkPattern(b, shifts);
          const back = builderFromWorkPattern(rules);
          expect(buildWorkPattern(back, shifts)).toEqual(rules);
          expect(back.shifts).toHaveLength(b.shifts.length);
          expect(back.everyWeeks).toBe(everyWeeks);
          expect(new Date(`${back.cycleStartsOn}T00:00:00Z`).getUTCDay()).toBe(1);
          void extraDays;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads back one-off changes and the end date", () => {
    const b = pattern({
      everyWeeks: 2,
      until: "2026-06-30",
      shifts: [
        { week: 1, day: "MO", shiftId: "early" },
        { week: 2, day: "SA", shiftId: "night" },
      ],
      changes: [
        { kind: "extra", date: "2026-02-04", shiftId: "late" },
        { kind: "off", date: "2026-01-17", shiftId: "night" },
      ],
    });
    expect(builderFromWorkPattern(buildWorkPattern(b, shifts))).toEqual({
      ...b,
      shifts: b.shifts,
      changes: [
        { kind: "off", date: "2026-01-17", shiftId: "night" },
        { kind: "extra", date: "2026-02-04", shiftId: "late" },
      ],
    });
  });

  it("refuses to show sets it did not make", () => {
    expect(() =>
      builderFromWorkPattern({
        cycleStartsOn: "2026-01-05",
        everyWeeks: 1,
        sets: [{ shiftId: "early", rruleSet: "DTSTART:20260105T070000\nRRULE:FREQ=MONTHLY;BYDAY=1MO" }],
      }),
    ).toThrow(/cannot be shown in the form/);
  });

  it("refuses overlapping shifts, naming both", () => {
    expect(
      messages(
        pattern({
          shifts: [
            { week: 1, day: "MO", shiftId: "night" },
            { week: 1, day: "TU", shiftId: "early" },
          ],
        }),
      ),
    ).toEqual([]); // back to back (07:00 to 07:00) is allowed
    const custom = [
      ...shifts,
      { id: "early6", name: "early", parts: [{ start: "06:00", end: "14:00", endsNextDay: false }] },
    ];
    const r = workPatternSchema(custom).safeParse(
      pattern({
        shifts: [
          { week: 1, day: "MO", shiftId: "night" },
          { week: 1, day: "TU", shiftId: "early6" },
        ],
      }),
    );
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe(
      "The early on Tuesday starts at 06:00, before the night on Monday ends at 07:00",
    );
    // A Sunday night runs into Monday of the next rotation.
    expect(
      workPatternSchema(custom).safeParse(
        pattern({
          everyWeeks: 2,
          shifts: [
            { week: 2, day: "SU", shiftId: "night" },
            { week: 1, day: "MO", shiftId: "early6" },
          ],
        }),
      ).error?.issues[0]?.message,
    ).toBe("The early on Monday of week 1 starts at 06:00, before the night on Sunday of week 2 ends at 07:00");
  });

  it("refuses unknown shifts, weeks outside the rotation, impossible offs and clashing extras", () => {
    expect(messages(pattern({ shifts: [{ week: 1, day: "MO", shiftId: "twilight" }] }))).toEqual([
      'Unknown shift "twilight"; choose one of your shifts (early, late, night, split, long day)',
    ]);
    expect(messages(pattern({ everyWeeks: 2, shifts: [{ week: 3, day: "MO", shiftId: "early" }] }))).toEqual([
      "Week 3 is outside a 2-week rotation",
    ]);
    expect(
      messages(
        pattern({
          shifts: [{ week: 1, day: "MO", shiftId: "night" }],
          changes: [
            { kind: "off", date: "2026-02-03", shiftId: "night" },
            { kind: "extra", date: "2026-02-02", shiftId: "night" },
          ],
        }),
      ),
    ).toEqual([
      "There is no night on Tue 3 Feb 2026 to take off",
      "The extra night on Mon 2 Feb 2026 overlaps your night on Mon 2 Feb 2026",
    ]);
    expect(messages(pattern({ everyWeeks: 9 }))).toEqual(["Choose a rotation of 1 to 4 weeks"]);
    expect(() => buildWorkPattern(pattern({ shifts: [{ week: 1, day: "MO", shiftId: "x" }] }), shifts)).toThrow(
      DomainError,
    );
  });
});

describe("shift templates", () => {
  const parse = (parts: unknown) => shiftTemplate.safeParse({ id: "s", name: "shift", parts });
  it("accepts nights across midnight and splits with a gap", () => {
    expect(parse([{ start: "22:00", end: "07:00", endsNextDay: true }]).success).toBe(true);
    expect(
      parse([
        { start: "07:00", end: "13:00" },
        { start: "15:00", end: "22:00" },
      ]).success,
    ).toBe(true);
  });
  it("refuses a shift ending before it starts unless it ends next day, overlapping parts and very long parts", () => {
    expect(parse([{ start: "14:00", end: "06:00" }]).error?.issues[0]?.message).toBe(
      'shift ends at 06:00, before it starts at 14:00; for a shift across midnight choose "ends next day"',
    );
    expect(
      parse([
        { start: "07:00", end: "13:00" },
        { start: "12:00", end: "22:00" },
      ]).error?.issues[0]?.message,
    ).toBe("Part 2 of shift starts at 12:00, before the part before it ends; parts must not overlap");
    expect(parse([{ start: "06:00", end: "23:00" }]).error?.issues[0]?.message).toBe("shift is longer than 16 hours");
    expect(parse([{ start: "25:00", end: "23:00" }]).error?.issues[0]?.message).toBe("Choose a time like 07:00");
  });
});

describe("limits and preferences", () => {
  it("explains each limit out of range", () => {
    const r = rotaLimits.safeParse({
      maxSlotsPerWeek: -1,
      maxHoursPerWeek: 61,
      maxConsecutiveLateNights: 8,
      bufferAfterWorkMinutes: 0,
      minRestBeforeWorkMinutes: 60,
    });
    expect(fieldErrors(r.error!)).toEqual({
      maxSlotsPerWeek: "The most slots a week must be between 0 and 21",
      maxHoursPerWeek: "The most hours a week must be between 0 and 60",
      maxConsecutiveLateNights: "The most late nights in a row must be between 0 and 7",
      bufferAfterWorkMinutes: "The break after work must be between 15 and 240 minutes",
      minRestBeforeWorkMinutes: "The rest before work must be between 240 and 960 minutes (4 to 16 hours)",
    });
    expect(volunteerPreferences.safeParse({ windows: [{ days: [], from: "18:00", to: "23:00" }] }).success).toBe(false);
  });
});

describe("rota templates", () => {
  it("are built from the same friendly recurrence form as drop-ins", () => {
    const built = buildRotaTemplate("late", {
      name: "Talk line late",
      kind: "talk-line",
      recurrence: {
        pattern: "weekly",
        days: [...WEEKDAYS],
        everyWeeks: 1,
        startsOn: "2026-01-05",
        time: "21:30",
        ends: { kind: "never" },
      },
      durationMinutes: 180,
      minVolunteers: 1,
      maxVolunteers: 2,
    });
    expect(built).toMatchObject({
      ok: true,
      template: {
        rule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        startsOnLocal: "2026-01-05T21:30:00",
      },
    });
    const bad = buildRotaTemplate("late", {
      name: "x",
      kind: "talk-line",
      recurrence: {
        pattern: "weekly",
        days: ["MO"],
        everyWeeks: 1,
        startsOn: "2026-01-05",
        time: "21:30",
        ends: { kind: "never" },
      },
      durationMinutes: 60,
      minVolunteers: 3,
      maxVolunteers: 2,
    });
    expect(bad).toEqual({
      ok: false,
      field: "maxVolunteers",
      message: "The most volunteers cannot be fewer than the fewest",
    });
  });

  it("cover a drop-in series with the series' own times", () => {
    expect(
      coverTemplateForSeries({
        id: "s1",
        title: "Lone working at night",
        rule: "FREQ=WEEKLY;BYDAY=TU",
        startsOnLocal: "2026-01-06T22:00:00",
        timeZone: "Europe/London",
        durationMinutes: 60,
      }),
    ).toMatchObject({
      id: "cover-s1",
      kind: "facilitator-cover",
      seriesId: "s1",
      durationMinutes: 60,
      minVolunteers: 1,
    });
  });
});
