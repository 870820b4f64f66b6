import * as rruleModule from "rrule";
import type { RRule as RRuleType } from "rrule";
import { DomainError } from "../errors.js";
import { formatFloating, instantFromWallTime, parseFloating, wallTimeAt, type WallTime } from "./zoned.js";

// Under Node, rrule's CommonJS bundle exposes its API only on `default`;
// bundlers (Vite) load its ESM build, which has named exports only.
const rrule = rruleModule as unknown as { RRule?: typeof RRuleType; default?: { RRule: typeof RRuleType } };
const RRule = (rrule.RRule ?? rrule.default?.RRule)!;

/**
 * Recurrences are expanded in floating local time and converted to instants
 * with the time-zone library. rrule.js with TZID has known bugs (jkbrzt/rrule
 * #390, #611) and is ~10x slower (#580), so no TZID ever reaches rrule.
 *
 * Floating wall-clock times are carried through rrule as if they were UTC.
 */
export interface RecurrenceInput {
  /** RRULE body, e.g. "FREQ=WEEKLY;BYDAY=TU,TH" (with or without the "RRULE:" prefix). */
  rule: string;
  /** First occurrence in wall-clock time, e.g. "2026-01-06T22:00:00". */
  startsOnLocal: string;
  timeZone: string;
}

export interface Occurrence {
  /** Wall-clock start in the series' zone, as the rule intends it. */
  local: WallTime;
  /** The real instant. */
  start: Date;
}

const DAY_MS = 86_400_000;

function asFloatingUtc(w: WallTime): Date {
  return new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0));
}

function fromFloatingUtc(d: Date): WallTime {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Parse and validate a rule; throws DomainError("INVALID") with a readable reason. */
export function compileRule(input: RecurrenceInput): RRuleType {
  const start = parseFloating(input.startsOnLocal);
  if (!start) throw new DomainError("INVALID", `Start "${input.startsOnLocal}" is not a valid local date and time`);
  const body = input.rule.trim().replace(/^RRULE:/i, "");
  if (/DTSTART|TZID/i.test(body))
    throw new DomainError("INVALID", "The rule must not carry DTSTART or TZID; the start and zone are set separately");
  let options;
  try {
    options = RRule.parseString(body);
  } catch {
    throw new DomainError("INVALID", `"${input.rule}" is not a valid recurrence rule`);
  }
  if (options.freq === undefined) throw new DomainError("INVALID", "The recurrence rule needs a FREQ");
  return new RRule({ ...options, dtstart: asFloatingUtc(start), tzid: null });
}

/** Occurrences whose start instant lies in [from, to). */
export function expandBetween(input: RecurrenceInput, from: Date, to: Date): Occurrence[] {
  const rule = compileRule(input);
  // The window is widened by a day each side in floating time, because a
  // wall-clock reading and its instant differ by the zone offset (< 24 h).
  const fromFloating = asFloatingUtc(wallTimeAt(from.getTime() - DAY_MS, input.timeZone));
  const toFloating = asFloatingUtc(wallTimeAt(to.getTime() + DAY_MS, input.timeZone));
  const out: Occurrence[] = [];
  const seen = new Set<number>();
  for (const floating of rule.between(fromFloating, toFloating, true)) {
    const local = fromFloatingUtc(floating);
    const start = instantFromWallTime(local, input.timeZone);
    // Two readings can land on one instant only across a spring-forward gap
    // (01:30 moves to 02:30); the session happens once.
    if (start >= from && start < to && !seen.has(start.getTime())) {
      seen.add(start.getTime());
      out.push({ local, start });
    }
  }
  return out;
}

export { formatFloating };
