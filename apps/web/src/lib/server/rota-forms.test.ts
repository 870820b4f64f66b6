import { describe, expect, it } from "vitest";
import { SHIFT_PRESETS, type VolunteerPreferences, type WorkPatternBuilder } from "@offshift/core";
import { postedForm } from "./posted-form.test-support.js";
import {
  parsePatternForm,
  parsePreferencesForm,
  patternFormValues,
  patternValues,
  preferencesFormValues,
  preferencesValues,
} from "./rota-forms.js";

const late = SHIFT_PRESETS.find((s) => s.id === "late")!;
const night = SHIFT_PRESETS.find((s) => s.id === "night")!;

/** The work-pattern form as the browser posts it: lates Monday and Tuesday, a night on Friday, one day off. */
const lateAndNight = {
  "shift.0.id": "late",
  "shift.0.name": "late",
  "shift.0.part.0.start": "14:00",
  "shift.0.part.0.end": "22:00",
  "shift.1.id": "night",
  "shift.1.name": "night",
  "shift.1.part.0.start": "22:00",
  "shift.1.part.0.end": "07:00",
  "shift.1.part.0.nextDay": "on",
  everyWeeks: "1",
  cycleStartsOn: "2026-11-30",
  "day.1.MO": "late",
  "day.1.TU": "late",
  "day.1.FR": "night",
  "change.0.kind": "off",
  "change.0.date": "2026-12-01",
  "change.0.shiftId": "late",
};

describe("the work-pattern form", () => {
  it("reads the flat fields into shifts, days of the rotation and one-off changes", () => {
    expect(patternFormValues(postedForm(lateAndNight))).toEqual({
      shifts: [
        { id: "late", name: "late", parts: [{ start: "14:00", end: "22:00", nextDay: false }] },
        { id: "night", name: "night", parts: [{ start: "22:00", end: "07:00", nextDay: true }] },
      ],
      everyWeeks: "1",
      cycleStartsOn: "2026-11-30",
      until: "",
      days: { "1.MO": "late", "1.TU": "late", "1.FR": "night" },
      changes: [{ kind: "off", date: "2026-12-01", shiftId: "late" }],
    });
  });

  it("parses into core's shift templates and builder, ignoring days beyond the rotation's length", () => {
    const parsed = parsePatternForm(patternFormValues(postedForm({ ...lateAndNight, "day.2.WE": "late" })));
    expect(parsed).toEqual({
      ok: true,
      shifts: [late, night],
      builder: {
        cycleStartsOn: "2026-11-30",
        everyWeeks: 1,
        shifts: [
          { week: 1, day: "MO", shiftId: "late" },
          { week: 1, day: "TU", shiftId: "late" },
          { week: 1, day: "FR", shiftId: "night" },
        ],
        changes: [{ kind: "off", date: "2026-12-01", shiftId: "late" }],
      },
      cellKeys: ["day.1.MO", "day.1.TU", "day.1.FR"],
    });
  });

  it("shows a stored pattern as the same form, which parses back to what was stored", () => {
    const builder: WorkPatternBuilder = {
      cycleStartsOn: "2026-11-30",
      everyWeeks: 2,
      until: "2027-06-30",
      shifts: [
        { week: 1, day: "MO", shiftId: "late" },
        { week: 2, day: "SA", shiftId: "night" },
      ],
      changes: [{ kind: "extra", date: "2026-12-03", shiftId: "late" }],
    };
    const values = patternValues([late, night], builder, "2026-11-30");
    expect(values.days).toEqual({ "1.MO": "late", "2.SA": "night" });
    expect(parsePatternForm(values)).toMatchObject({ ok: true, shifts: [late, night], builder });
  });

  it("starts a volunteer without a pattern on a one-week rotation from today", () => {
    expect(patternValues([], null, "2026-11-30")).toEqual({
      shifts: [],
      everyWeeks: "1",
      cycleStartsOn: "2026-11-30",
      until: "",
      days: {},
      changes: [],
    });
  });

  it("puts each error beside the field it is about", () => {
    const backwards = parsePatternForm(
      patternFormValues(postedForm({ ...lateAndNight, "shift.0.part.0.start": "23:00" })),
    );
    expect(backwards).toEqual({
      ok: false,
      errors: {
        "shift.0.part.0.end":
          'late ends at 22:00, before it starts at 23:00; for a shift across midnight choose "ends next day"',
      },
    });

    const unknownShift = parsePatternForm(patternFormValues(postedForm({ ...lateAndNight, "day.1.MO": "early" })));
    expect(unknownShift.ok).toBe(false);
    if (!unknownShift.ok) expect(Object.keys(unknownShift.errors)).toEqual(["day.1.MO"]);

    const noDate = parsePatternForm(patternFormValues(postedForm({ ...lateAndNight, "change.0.date": "2026-02-30" })));
    expect(noDate).toEqual({ ok: false, errors: { "change.0.date": "That date does not exist" } });

    const noStart = parsePatternForm(patternFormValues(postedForm({ ...lateAndNight, cycleStartsOn: "" })));
    expect(noStart.ok).toBe(false);
    if (!noStart.ok) expect(Object.keys(noStart.errors)).toEqual(["cycleStartsOn"]);
  });

  it("never reads more than the form can hold, or an overlong value", () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) {
      many[`shift.${i}.id`] = `s${i}`;
      many[`shift.${i}.name`] = "x".repeat(500);
    }
    const values = patternFormValues(postedForm(many));
    expect(values.shifts).toHaveLength(20);
    expect(values.shifts[0]!.name).toHaveLength(100);
    // A gap ends the list: shift.1 missing means shift.2 is not read.
    expect(patternFormValues(postedForm({ "shift.0.id": "a", "shift.2.id": "c" })).shifts.map((s) => s.id)).toEqual([
      "a",
    ]);
  });
});

describe("the preferences form", () => {
  const posted = {
    maxSlotsPerWeek: "3",
    maxHoursPerWeek: "",
    maxConsecutiveLateNights: "2",
    bufferAfterWorkMinutes: "60",
    minRestBeforeWorkHours: "8.5",
    restAfterShiftHours: "",
    "window.0.days": ["MO", "TU"],
    "window.0.from": "20:00",
    "window.0.to": "02:00",
  };

  it("reads limits (blank = the coordinator's default) and availability windows, rest in hours stored as minutes", () => {
    const parsed = parsePreferencesForm(preferencesFormValues(postedForm(posted)));
    expect(parsed).toEqual({
      ok: true,
      preferences: {
        maxSlotsPerWeek: 3,
        maxConsecutiveLateNights: 2,
        bufferAfterWorkMinutes: 60,
        minRestBeforeWorkMinutes: 510,
        windows: [{ days: ["MO", "TU"], from: "20:00", to: "02:00" }],
      },
    });
  });

  it("shows stored preferences as the same form, which parses back to what was stored", () => {
    const stored: VolunteerPreferences = {
      maxHoursPerWeek: 12,
      minRestBeforeWorkMinutes: 480,
      restAfterShiftMinutes: 615,
      windows: [{ days: ["FR", "SA"], from: "21:00", to: "23:30" }],
    };
    const values = preferencesValues(stored);
    expect(values).toMatchObject({ maxSlotsPerWeek: "", minRestBeforeWorkHours: "8", restAfterShiftHours: "10.25" });
    expect(parsePreferencesForm(values)).toEqual({ ok: true, preferences: stored });
  });

  it("puts each error beside its field, a window's beside that window", () => {
    const parsed = parsePreferencesForm(
      preferencesFormValues(postedForm({ ...posted, minRestBeforeWorkHours: "20", "window.0.from": "8pm" })),
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors.minRestBeforeWorkHours).toBe("The rest before work must be between 4 and 16 hours");
      expect(Object.keys(parsed.errors).sort()).toEqual(["minRestBeforeWorkHours", "window.0.from"]);
    }
  });
});
