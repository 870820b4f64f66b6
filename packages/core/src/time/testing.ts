import type { RecurrenceBuilder } from "./recurrence-builder.js";

/** Test factory (tests only): Tuesdays and Thursdays at 22:00 from 1 December 2026, weekly, no end. */
export const weeklyRecurrence = (over: Partial<RecurrenceBuilder> = {}): RecurrenceBuilder =>
  ({
    pattern: "weekly",
    days: ["TH", "TU"],
    everyWeeks: 1,
    startsOn: "2026-12-01",
    time: "22:00",
    ends: { kind: "never" },
    ...over,
  }) as RecurrenceBuilder;
