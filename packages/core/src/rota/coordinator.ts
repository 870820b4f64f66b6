import { z } from "zod";
import { builderFromRule } from "../time/recurrence-builder.js";
import { WEEKDAY_SHORT_NAMES } from "../time/weekdays.js";
import { formatFloating, instantFromWallTime, parseFloating, wallTimeAt } from "../time/zoned.js";
import { rotaTemplateForm } from "./templates.js";

/**
 * What the coordinator sends for the rota: a rota template (talk line from
 * the recurrence builder, or facilitator cover for a drop-in series, whose
 * times come from the series), the week to look at, and the auto-fill
 * proposals to apply. Also the week arithmetic and coverage labels the week
 * view shows.
 */

const templateName = rotaTemplateForm.shape.name.refine((v) => !/[<>]/.test(v), "The name cannot contain < or >");
const volunteersField = (min: number, label: string) =>
  z.coerce
    .number({ error: `Enter ${label}` })
    .int(`Enter ${label} as a whole number`)
    .min(min, `Between ${min} and 20 volunteers`)
    .max(20, `Between ${min} and 20 volunteers`);

const minMax = <T extends { minVolunteers: number; maxVolunteers: number }>(t: T, ctx: z.RefinementCtx) => {
  if (t.minVolunteers > t.maxVolunteers)
    ctx.addIssue({
      code: "custom",
      path: ["maxVolunteers"],
      message: "The most volunteers cannot be fewer than the fewest",
    });
};

export const rotaTemplateRequest = z
  .discriminatedUnion(
    "kind",
    [
      rotaTemplateForm.extend({
        kind: z.literal("talk-line"),
        name: templateName,
        minVolunteers: volunteersField(0, "the fewest volunteers"),
        maxVolunteers: volunteersField(1, "the most volunteers"),
      }),
      z.object({
        kind: z.literal("facilitator-cover"),
        /** Blank: "Cover: <series title>". */
        name: z
          .string()
          .trim()
          .max(60, "Keep the name to 60 characters or fewer")
          .refine((v) => !/[<>]/.test(v), "The name cannot contain < or >")
          .optional()
          .transform((v) => v || undefined),
        seriesId: z.uuid({ error: "Choose a drop-in series to cover" }),
        minVolunteers: volunteersField(0, "the fewest volunteers"),
        maxVolunteers: volunteersField(1, "the most volunteers"),
      }),
    ],
    { error: "Choose talk line or facilitator cover" },
  )
  .superRefine(minMax);
export type RotaTemplateRequest = z.infer<typeof rotaTemplateRequest>;
export type RotaTemplateRequestInput = z.input<typeof rotaTemplateRequest>;

/** "2026-03-30": any day of the week to show (the view starts on its Monday). */
export const rotaWeekParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Choose a date")
  .refine((v) => parseFloating(`${v}T00:00`) !== null, "That date does not exist");

/** Auto-fill proposals from the preview, as `<slotId>:<personId>` pairs. */
export const autoFillApplyInput = z.object({
  proposals: z
    .array(
      z
        .string()
        .regex(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/i, "That proposal is not one the preview made")
        .transform((v) => {
          const [slotId, personId] = v.split(":") as [string, string];
          return { slotId, personId };
        }),
    )
    .min(1, "There is nothing to apply: preview auto-fill first")
    .max(1000, "Apply at most 1000 proposals at a time"),
});
export type AutoFillApplyInput = z.infer<typeof autoFillApplyInput>;

export interface RotaWeek {
  /** Monday, "2026-03-30". */
  monday: string;
  /** Monday 00:00 local to the next Monday 00:00 local (167, 168 or 169 hours). */
  from: Date;
  to: Date;
  previous: string;
  next: string;
  /** The seven days, Monday first: date and local-midnight bounds. */
  days: { date: string; from: Date; to: Date }[];
}

const dayMs = 86_400_000;
const isoDay = (utcMidnight: number) => new Date(utcMidnight).toISOString().slice(0, 10);

/** The week (Monday to Sunday, on the organisation's clock) containing `day`, or today's week. */
export function rotaWeek(day: string | null | undefined, now: Date, timeZone: string): RotaWeek {
  const parsed = day ? parseFloating(`${day}T00:00`) : null;
  const w = parsed ?? wallTimeAt(now, timeZone);
  const date = Date.UTC(w.year, w.month - 1, w.day);
  const monday = date - ((new Date(date).getUTCDay() + 6) % 7) * dayMs;
  const at = (utc: number) => {
    const d = new Date(utc);
    return instantFromWallTime(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0 },
      timeZone,
    );
  };
  const days = Array.from({ length: 7 }, (_, i) => ({
    date: isoDay(monday + i * dayMs),
    from: at(monday + i * dayMs),
    to: at(monday + (i + 1) * dayMs),
  }));
  return {
    monday: isoDay(monday),
    from: days[0]!.from,
    to: days[6]!.to,
    previous: isoDay(monday - 7 * dayMs),
    next: isoDay(monday + 7 * dayMs),
    days,
  };
}

/** The local day ("2026-03-30") an instant falls on. */
export function localDate(instant: Date, timeZone: string): string {
  return formatFloating(wallTimeAt(instant, timeZone)).slice(0, 10);
}

export type Coverage = "gap" | "ok" | "full";

/** Below the minimum, covered, or at the maximum (no more places). */
export function coverageOf(filled: number, min: number, max: number): Coverage {
  if (filled < min) return "gap";
  return filled >= max ? "full" : "ok";
}

/** "1 of 2" (against the minimum while below it, otherwise the maximum) and a word for the state. */
export function coverageLabel(filled: number, min: number, max: number): { count: string; state: string } {
  const c = coverageOf(filled, min, max);
  return {
    count: `${filled} of ${c === "gap" ? min : max}`,
    state: c === "gap" ? `needs ${min - filled} more` : c === "full" ? "full" : "covered",
  };
}

const NTH_WORDS: Record<number, string> = { 1: "first", 2: "second", 3: "third", 4: "fourth", [-1]: "last" };

/** "Every day, 21:30 to 00:30", "Mon, Tue, Wed every 2 weeks, 13:00 to 15:00"; null for rules the builder did not write. */
export function describeRotaTemplate(t: {
  rule: string;
  startsOnLocal: string;
  durationMinutes: number;
}): string | null {
  const b = builderFromRule(t.rule, t.startsOnLocal);
  if (!b) return null;
  const [h, m] = b.time.split(":").map(Number) as [number, number];
  const endMinutes = (h * 60 + m + t.durationMinutes) % 1440;
  const end = `${String(Math.floor(endMinutes / 60)).padStart(2, "0")}:${String(endMinutes % 60).padStart(2, "0")}`;
  let when: string;
  if (b.pattern === "weekly") {
    const days = b.days.length === 7 ? "Every day" : b.days.map((d) => WEEKDAY_SHORT_NAMES[d]).join(", ");
    when = b.everyWeeks > 1 ? `${days}, every ${b.everyWeeks} weeks` : days;
  } else {
    when = `The ${NTH_WORDS[b.nth]} ${WEEKDAY_SHORT_NAMES[b.day]} of each month`;
  }
  const ends =
    b.ends.kind === "until" ? `, until ${b.ends.until}` : b.ends.kind === "count" ? `, ${b.ends.count} times` : "";
  return `${when}, ${b.time} to ${end}${ends}`;
}
