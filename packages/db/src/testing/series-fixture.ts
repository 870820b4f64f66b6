import type { RecurrenceBuilder, SeriesInput } from "@offshift/core";

/** The tests' usual drop-in rule: Tuesdays and Thursdays at 22:00 from 1 December 2026, weekly, no end. */
export const nightRecurrence = (over: Partial<RecurrenceBuilder> = {}): RecurrenceBuilder =>
  ({
    pattern: "weekly",
    days: ["TU", "TH"],
    everyWeeks: 1,
    startsOn: "2026-12-01",
    time: "22:00",
    ends: { kind: "never" },
    ...over,
  }) as RecurrenceBuilder;

/** The tests' usual drop-in series, "Lone working at night", run by `facilitatorId`. */
export const nightSeries = (facilitatorId: string, over: Partial<SeriesInput> = {}): SeriesInput => ({
  title: "Lone working at night",
  theme: "Lone working at night",
  description: "Driving between calls in the dark.",
  language: "en",
  capacity: 12,
  roomStyle: "OPEN",
  durationMinutes: 60,
  facilitatorId,
  recurrence: nightRecurrence(),
  ...over,
});
