import type { RecurrenceBuilder, SeriesInput } from "@offshift/core";
import { weeklyRecurrence } from "@offshift/core/testing";

/** The tests' usual drop-in rule: Tuesdays and Thursdays at 22:00 from 1 December 2026, weekly, no end. */
export const nightRecurrence = (over: Partial<RecurrenceBuilder> = {}): RecurrenceBuilder =>
  weeklyRecurrence({ days: ["TU", "TH"], ...over });

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
