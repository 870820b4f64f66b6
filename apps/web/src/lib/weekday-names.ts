/** A weekday's short name on forms, by its RRULE code (core's WEEKDAYS: MO … SU). */
export const WEEKDAY_SHORT_NAMES: Readonly<Record<string, string>> = {
  MO: "Mon",
  TU: "Tue",
  WE: "Wed",
  TH: "Thu",
  FR: "Fri",
  SA: "Sat",
  SU: "Sun",
};
