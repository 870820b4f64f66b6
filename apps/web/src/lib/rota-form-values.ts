/** The work-pattern form's fields as strings, shared by the page and its server (echoed back after an error). */
export interface ShiftFormValues {
  id: string;
  name: string;
  parts: { start: string; end: string; nextDay: boolean }[];
}

export interface PatternFormValues {
  shifts: ShiftFormValues[];
  everyWeeks: string;
  cycleStartsOn: string;
  until: string;
  /** `${week}.${day}` -> shift id ("" = off). */
  days: Record<string, string>;
  changes: { kind: string; date: string; shiftId: string }[];
}

export interface PreferencesFormValues {
  maxSlotsPerWeek: string;
  maxHoursPerWeek: string;
  maxConsecutiveLateNights: string;
  bufferAfterWorkMinutes: string;
  minRestBeforeWorkHours: string;
  restAfterShiftHours: string;
  windows: { days: string[]; from: string; to: string }[];
}
