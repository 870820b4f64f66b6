import { buildWorkPattern } from "./pattern.js";
import {
  SHIFT_PRESETS,
  type RotaTemplate,
  type RotaVolunteerInput,
  type ShiftTemplate,
  type VolunteerPreferencesInput,
  type Weekday,
  type WorkPatternBuilder,
} from "./schema.js";

/**
 * Test factories for the rota (used by tests and the benchmark, not by the
 * product): `volunteer("maria").works("MO,TU", "night").build()`.
 */

export const LONDON = "Europe/London";

export const slotTemplates = {
  /** "Talk line late" daily 21:30-00:30. */
  late: {
    id: "late",
    name: "Talk line late",
    kind: "talk-line",
    rule: "FREQ=DAILY",
    startsOnLocal: "2026-01-05T21:30:00",
    durationMinutes: 180,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  /** "Talk line early" daily 06:30-08:00. */
  early: {
    id: "early",
    name: "Talk line early",
    kind: "talk-line",
    rule: "FREQ=DAILY",
    startsOnLocal: "2026-01-05T06:30:00",
    durationMinutes: 90,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  /** "Split-shift gap" weekdays 13:00-15:00. */
  gap: {
    id: "gap",
    name: "Split-shift gap",
    kind: "talk-line",
    rule: "FREQ=WEEKLY;WKST=MO;BYDAY=MO,TU,WE,TH,FR",
    startsOnLocal: "2026-01-05T13:00:00",
    durationMinutes: 120,
    minVolunteers: 1,
    maxVolunteers: 1,
  },
} satisfies Record<string, RotaTemplate>;

class VolunteerFactory {
  private shifts: ShiftTemplate[] = [...SHIFT_PRESETS];
  private pattern: WorkPatternBuilder = { cycleStartsOn: "2026-01-05", everyWeeks: 1, shifts: [], changes: [] };
  private prefs: VolunteerPreferencesInput = {};

  constructor(private readonly id: string) {}

  /** Rotation of n weeks starting with the week of `date`. */
  rotating(weeks: number, date = "2026-01-05"): this {
    this.pattern.everyWeeks = weeks;
    this.pattern.cycleStartsOn = date;
    return this;
  }

  /** `works("MO,TU", "night")` in week 1, or `works("MO", "early", 2)`. */
  works(days: string, shiftId: string, week = 1): this {
    for (const day of days.split(",")) this.pattern.shifts.push({ week, day: day as Weekday, shiftId });
    return this;
  }

  extra(date: string, shiftId: string): this {
    this.pattern.changes.push({ kind: "extra", date, shiftId });
    return this;
  }

  off(date: string, shiftId: string): this {
    this.pattern.changes.push({ kind: "off", date, shiftId });
    return this;
  }

  withShift(shift: ShiftTemplate): this {
    this.shifts = [...this.shifts.filter((s) => s.id !== shift.id), shift];
    return this;
  }

  prefers(prefs: VolunteerPreferencesInput): this {
    this.prefs = { ...this.prefs, ...prefs };
    return this;
  }

  build(): RotaVolunteerInput {
    return {
      id: this.id,
      shifts: this.shifts,
      pattern: buildWorkPattern(this.pattern, this.shifts),
      preferences: this.prefs,
    };
  }
}

export const volunteer = (id: string) => new VolunteerFactory(id);
