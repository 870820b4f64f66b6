import { z } from "zod";
import { BIDI_CONTROLS, CONTROL_CHARACTERS, CONTROL_CHARACTERS_EXCEPT_LINES } from "../text/hidden.js";
import { expandBetween } from "../time/recurrence.js";
import { instantFromWallTime, parseFloating } from "../time/zoned.js";

/**
 * Drop-in series: what a facilitator fills in, and the friendly recurrence
 * builder that turns it into an RFC 5545 RRULE in the organisation's zone.
 * Nobody types RRULE text.
 */

export const THEMES = [
  "After a death",
  "Lone working at night",
  "New to care",
  "Just offload",
  "Overseas-recruited",
  "Back from leave",
] as const;
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

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

const dateField = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Choose a date");
const timeField = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Choose a time like 22:00");

export const recurrenceBuilder = z
  .discriminatedUnion(
    "pattern",
    [
      z.object({
        pattern: z.literal("weekly"),
        days: z.array(z.enum(WEEKDAYS, { error: "Choose days of the week" })).min(1, "Choose at least one day"),
        everyWeeks: z.coerce.number().int().min(1, "Every 1 to 4 weeks").max(4, "Every 1 to 4 weeks"),
      }),
      z.object({
        pattern: z.literal("monthly"),
        /** 1..4, or -1 for "last". */
        nth: z.coerce
          .number()
          .int()
          .refine((n) => [1, 2, 3, 4, -1].includes(n), "Choose first, second, third, fourth or last"),
        day: z.enum(WEEKDAYS, { error: "Choose a day of the week" }),
      }),
    ],
    { error: "Choose how often it repeats" },
  )
  .and(
    z.object({
      startsOn: dateField,
      time: timeField,
      ends: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("never") }),
        z.object({ kind: z.literal("until"), until: dateField }),
        z.object({
          kind: z.literal("count"),
          count: z.coerce.number().int().min(1, "At least 1 time").max(200, "At most 200 times"),
        }),
      ]),
    }),
  );
export type RecurrenceBuilder = z.infer<typeof recurrenceBuilder>;

/** The RRULE body and first wall-clock start for a builder choice, or an error. */
export function buildRule(
  b: RecurrenceBuilder,
): { ok: true; rule: string; startsOnLocal: string } | { ok: false; field: string; message: string } {
  const startsOnLocal = `${b.startsOn}T${b.time}:00`;
  if (!parseFloating(startsOnLocal)) return { ok: false, field: "startsOn", message: "That date does not exist" };
  const parts: string[] = [];
  if (b.pattern === "weekly") {
    const days = WEEKDAYS.filter((d) => b.days.includes(d));
    parts.push("FREQ=WEEKLY", `INTERVAL=${b.everyWeeks}`, "WKST=MO", `BYDAY=${days.join(",")}`);
  } else {
    parts.push("FREQ=MONTHLY", `BYDAY=${b.nth}${b.day}`);
  }
  if (b.ends.kind === "until") {
    if (!parseFloating(`${b.ends.until}T23:59:59`))
      return { ok: false, field: "until", message: "That date does not exist" };
    if (b.ends.until < b.startsOn)
      return { ok: false, field: "until", message: "The end date is before the start date" };
    parts.push(`UNTIL=${b.ends.until.replace(/-/g, "")}T235959`);
  } else if (b.ends.kind === "count") {
    parts.push(`COUNT=${b.ends.count}`);
  }
  return { ok: true, rule: parts.join(";"), startsOnLocal };
}

/**
 * The builder choice a stored rule came from, so an edit form can start from
 * what is there. Only rules `buildRule` writes are understood; anything else
 * gives null (the series can still be shown, but not edited in the builder).
 */
export function builderFromRule(rule: string, startsOnLocal: string): RecurrenceBuilder | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):00$/.exec(startsOnLocal);
  if (!m) return null;
  const parts = new Map(
    rule.split(";").map((p) => {
      const [k, v] = p.split("=");
      return [k ?? "", v ?? ""] as const;
    }),
  );
  const untilRaw = parts.get("UNTIL");
  const until = untilRaw && /^(\d{4})(\d{2})(\d{2})T235959$/.exec(untilRaw);
  if (untilRaw && !until) return null;
  const ends: RecurrenceBuilder["ends"] = until
    ? { kind: "until", until: `${until[1]}-${until[2]}-${until[3]}` }
    : parts.has("COUNT")
      ? { kind: "count", count: Number(parts.get("COUNT")) }
      : { kind: "never" };
  const common = { startsOn: m[1]!, time: m[2]!, ends };
  const byDay = parts.get("BYDAY") ?? "";
  if (parts.get("FREQ") === "WEEKLY") {
    const days = byDay.split(",").filter((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d));
    if (days.length === 0 || days.length !== byDay.split(",").length) return null;
    return { pattern: "weekly", days, everyWeeks: Number(parts.get("INTERVAL") ?? "1"), ...common };
  }
  const monthly = /^(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)$/.exec(byDay);
  if (parts.get("FREQ") === "MONTHLY" && monthly) {
    return { pattern: "monthly", nth: Number(monthly[1]), day: monthly[2] as Weekday, ...common };
  }
  return null;
}

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
