/** The days of the week by their RFC 5545 codes, Monday first (no imports: pages may take it). */
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekday's short name, as forms and summaries write it. */
export const WEEKDAY_SHORT_NAMES: Readonly<Record<string, string>> = {
  MO: "Mon",
  TU: "Tue",
  WE: "Wed",
  TH: "Thu",
  FR: "Fri",
  SA: "Sat",
  SU: "Sun",
} satisfies Record<Weekday, string>;
