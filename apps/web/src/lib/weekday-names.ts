/** A weekday's short name on forms, by its RRULE code: core's, so forms and summaries say the same. */
export { WEEKDAY_SHORT_NAMES } from "@offshift/core/browser";
