import { z } from "zod";
import { BIDI_CONTROLS, CONTROL_CHARACTERS, CONTROL_CHARACTERS_EXCEPT_LINES } from "../text/hidden.js";
import { expandBetween } from "../time/recurrence.js";
import { recurrenceBuilder } from "../time/recurrence-builder.js";
import { instantFromWallTime, parseFloating } from "../time/zoned.js";

/**
 * Drop-in series: what a facilitator fills in. When it repeats comes from the
 * recurrence builder (time/recurrence-builder.ts), the same one rota
 * templates use; its rules expand through the recurrence kernel.
 */

export const THEMES = [
  "After a death",
  "Lone working at night",
  "New to care",
  "Just offload",
  "Overseas-recruited",
  "Back from leave",
] as const;
export const MIN_CAPACITY = 2;
export const MAX_CAPACITY = 50;

/** Text people type: a title is one line; a description may have line breaks. Neither has hidden characters. */
const plainText = (label: string, max: number, min = 1, lines: "one" | "many" = "one") => {
  const Label = `${label[0]!.toUpperCase()}${label.slice(1)}`;
  return z
    .string({ error: `Enter ${label}` })
    .trim()
    .min(min, `Enter ${label}`)
    .max(max, `Keep ${label} to ${max} characters or fewer`)
    .refine((v) => !/[<>]/.test(v), `${Label} cannot contain < or >`)
    .refine(
      (v) =>
        !(lines === "one" ? CONTROL_CHARACTERS : CONTROL_CHARACTERS_EXCEPT_LINES).test(v) && !BIDI_CONTROLS.test(v),
      lines === "one"
        ? `${Label} cannot contain line breaks or hidden characters`
        : `${Label} cannot contain hidden characters`,
    );
};

export const seriesInput = z
  .object({
    title: plainText("a title", 120, 3),
    theme: z.enum(THEMES, { error: "Choose a theme from the list" }),
    description: plainText("a description", 2000, 10, "many"),
    language: z.string().regex(/^[a-z]{2}$/, "Choose a language"),
    capacity: z.coerce
      .number({ error: "Enter how many people can join" })
      .int("Enter a whole number")
      .min(MIN_CAPACITY, `At least ${MIN_CAPACITY} people`)
      .max(MAX_CAPACITY, `At most ${MAX_CAPACITY} people (larger groups are hard to hold)`),
    roomStyle: z.enum(["OPEN", "HAND_RAISE"], { error: "Choose a room style" }),
    durationMinutes: z.coerce.number().int().min(15, "At least 15 minutes").max(240, "At most 4 hours"),
    facilitatorId: z.uuid({ error: "Choose a facilitator" }),
    backupFacilitatorId: z.uuid({ error: "Choose a backup facilitator" }).optional(),
    recurrence: recurrenceBuilder,
  })
  .refine((s) => s.backupFacilitatorId !== s.facilitatorId, {
    path: ["backupFacilitatorId"],
    message: "The backup must be someone other than the facilitator",
  });
export type SeriesInput = z.infer<typeof seriesInput>;

export interface ScheduledSeries {
  id?: string;
  title: string;
  rule: string;
  startsOnLocal: string;
  timeZone: string;
  durationMinutes: number;
}

/**
 * The first clash between a new series and someone's existing ones within the
 * horizon, or null. A facilitator cannot run two sessions at once.
 */
export function firstClash(
  candidate: ScheduledSeries,
  existing: readonly ScheduledSeries[],
  from: Date,
  horizonDays = 56,
): { with: string; at: Date } | null {
  const to = new Date(from.getTime() + horizonDays * 86_400_000);
  const mine = expandBetween(
    { rule: candidate.rule, startsOnLocal: candidate.startsOnLocal, timeZone: candidate.timeZone },
    from,
    to,
  );
  for (const other of existing) {
    const theirs = expandBetween(
      { rule: other.rule, startsOnLocal: other.startsOnLocal, timeZone: other.timeZone },
      from,
      to,
    );
    for (const a of mine) {
      const aEnd = a.start.getTime() + candidate.durationMinutes * 60_000;
      for (const b of theirs) {
        const bEnd = b.start.getTime() + other.durationMinutes * 60_000;
        if (a.start.getTime() < bEnd && b.start.getTime() < aEnd) return { with: other.title, at: a.start };
      }
    }
  }
  return null;
}

/** When the first session starts, as an instant. */
export const firstStart = (startsOnLocal: string, timeZone: string) =>
  instantFromWallTime(parseFloating(startsOnLocal)!, timeZone);
