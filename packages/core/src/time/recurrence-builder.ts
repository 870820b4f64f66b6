import { z } from "zod";
import { parseFloating } from "./zoned.js";
import { WEEKDAYS, type Weekday } from "./weekdays.js";

/**
 * The friendly recurrence builder behind every repeating thing people
 * schedule (drop-in series, rota templates): weekly on chosen days every 1-4
 * weeks, or monthly on the nth weekday, with an end. It writes an RFC 5545
 * RRULE and reads back the ones it wrote. Nobody types RRULE text.
 */

export { WEEKDAYS, WEEKDAY_SHORT_NAMES, type Weekday } from "./weekdays.js";

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
