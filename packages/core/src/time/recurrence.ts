import * as rruleModule from "rrule";
import type { Options, RRule as RRuleType, Weekday as RRuleWeekday } from "rrule";
import { DomainError } from "../errors.js";
import { DAY_MS, dayNumber, floatingFromWall, wallFromFloating, weekdayOfDay } from "./floating.js";
import type { ZoneClock } from "./zone-clock.js";
import { formatFloating, instantFromWallTime, parseFloating, wallTimeAt, type WallTime } from "./zoned.js";

/**
 * The recurrence kernel: the one place that reads an RRULE, words what is
 * wrong with it, and expands it in a wall-clock zone. Drop-in series and the
 * rota (templates and work patterns) both expand through here.
 *
 * Rules are expanded in floating local time (floating.ts) and converted to
 * instants at the end. rrule.js with TZID has known bugs (jkbrzt/rrule #390,
 * #611) and is ~10x slower (#580), so no TZID ever reaches rrule.
 *
 * Two speeds, one answer (property-tested against rrule.js and the per-reading
 * conversion):
 * - expansion: the simple rules our builders write (WEEKLY or DAILY with
 *   INTERVAL, BYDAY, WKST, UNTIL) by date arithmetic; any other rule through
 *   rrule.js;
 * - conversion: expandBetween converts each reading on its own (a drop-in
 *   series has a few dozen); expandInstants takes a ZoneClock, for the rota
 *   engine's hundreds of rules over one window.
 */

// Under Node, rrule's CommonJS bundle exposes its API only on `default`;
// bundlers (Vite) load its ESM build, which has named exports only.
const rrule = rruleModule as unknown as { RRule?: typeof RRuleType; default?: { RRule: typeof RRuleType } };
const RRule = (rrule.RRule ?? rrule.default?.RRule)!;

const invalid = (message: string) => new DomainError("INVALID", message);

/** What is wrong with a rule or its start, in the words every form and API shows. */
export const recurrenceMessages = {
  badStart: (startsOnLocal: string) => `Start "${startsOnLocal}" is not a valid local date and time`,
  carriesStartOrZone: "The rule must not carry DTSTART or TZID; the start and zone are set separately",
  notARule: (rule: string) => `"${rule}" is not a valid recurrence rule`,
  needsFreq: "The recurrence rule needs a FREQ",
} as const;

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

interface CompiledRule {
  options: Partial<Options>;
  /** The rule in the shape date arithmetic expands, or null: rrule.js expands it. */
  fast: null | {
    freq: "WEEKLY" | "DAILY";
    interval: number;
    /** 0 = Monday; empty means "the weekday of DTSTART" (weekly) or "every day" (daily). */
    days: number[];
    wkst: number;
    until: number | null;
  };
}

const compiled = new Map<string, CompiledRule>();

const weekdayNumber = (d: number | RRuleWeekday | string): number | null => {
  if (typeof d === "number") return d;
  if (typeof d === "string") return null;
  return d.n ? null : d.weekday;
};

/** Parse an RRULE body once (cached by text); throws DomainError("INVALID"). */
function compile(rule: string): CompiledRule {
  const hit = compiled.get(rule);
  if (hit) return hit;
  const body = rule.trim().replace(/^RRULE:/i, "");
  if (/DTSTART|TZID/i.test(body)) throw invalid(recurrenceMessages.carriesStartOrZone);
  let options: Partial<Options>;
  try {
    options = RRule.parseString(body);
  } catch {
    throw invalid(recurrenceMessages.notARule(rule));
  }
  if (options.freq === undefined) throw invalid(recurrenceMessages.needsFreq);
  // rrule.js parses these without complaint, then crashes on an unknown day
  // and never returns on a non-numeric INTERVAL: refuse them here, in words.
  const positive = (n: unknown) => n == null || (Number.isInteger(n) && (n as number) >= 1);
  const dayList =
    options.byweekday == null ? [] : Array.isArray(options.byweekday) ? options.byweekday : [options.byweekday];
  if (!positive(options.interval) || !positive(options.count) || dayList.some((d) => d == null))
    throw invalid(recurrenceMessages.notARule(rule));
  const simple =
    (options.freq === RRule.WEEKLY || options.freq === RRule.DAILY) &&
    options.count == null &&
    [
      options.bysetpos,
      options.bymonth,
      options.bymonthday,
      options.byyearday,
      options.byweekno,
      options.byhour,
      options.byminute,
      options.bysecond,
      options.byeaster,
      options.bynweekday,
      options.bynmonthday,
    ].every((v) => v == null || (Array.isArray(v) && v.length === 0));
  const days = dayList.map(weekdayNumber);
  const wkst = options.wkst == null ? 0 : weekdayNumber(options.wkst);
  const out: CompiledRule = {
    options,
    fast:
      simple && days.every((d) => d !== null) && wkst !== null
        ? {
            freq: options.freq === RRule.WEEKLY ? "WEEKLY" : "DAILY",
            interval: options.interval ?? 1,
            days: [...new Set(days as number[])],
            wkst,
            until: options.until ? options.until.getTime() : null,
          }
        : null,
  };
  if (compiled.size > 5_000) compiled.clear();
  compiled.set(rule, out);
  return out;
}

/** Check a rule without expanding it; throws DomainError("INVALID") with a readable reason. */
export function checkRule(rule: string): void {
  compile(rule);
}

/** The first start as a floating reading; throws DomainError("INVALID") with a readable reason. */
export function floatingStart(startsOnLocal: string): number {
  const w = parseFloating(startsOnLocal);
  if (!w) throw invalid(recurrenceMessages.badStart(startsOnLocal));
  return floatingFromWall(w);
}

/** rrule.js over floating time: the reference, and the path for rules date arithmetic does not cover. */
function expandWithRRule(c: CompiledRule, dtstart: number, from: number, to: number): number[] {
  const r = new RRule({ ...c.options, dtstart: new Date(dtstart), tzid: null });
  return r.between(new Date(from), new Date(to), true).map((d) => d.getTime());
}

/**
 * Occurrences of `rule` from `dtstart` (both floating) that lie in
 * [from, to] (floating, inclusive), ascending. Same results as rrule.js.
 */
export function expandFloating(rule: string, dtstart: number, from: number, to: number): number[] {
  const c = compile(rule);
  if (!c.fast) return expandWithRRule(c, dtstart, from, to);
  const { freq, interval, wkst, until } = c.fast;
  const startDay = dayNumber(dtstart);
  const timeOfDay = dtstart - startDay * DAY_MS;
  const startWeekday = weekdayOfDay(startDay);
  const days = c.fast.days.length ? c.fast.days : freq === "WEEKLY" ? [startWeekday] : [0, 1, 2, 3, 4, 5, 6];
  const dayMask = days.reduce((m, d) => m | (1 << d), 0);
  const weekStart = (day: number) => day - ((weekdayOfDay(day) - wkst + 7) % 7);
  const firstWeek = weekStart(startDay);
  const last = Math.min(dayNumber(to), until === null ? Number.POSITIVE_INFINITY : dayNumber(until));
  const out: number[] = [];
  for (let day = Math.max(startDay, dayNumber(from)); day <= last; day++) {
    if (!(dayMask & (1 << weekdayOfDay(day)))) continue;
    const step = freq === "WEEKLY" ? (weekStart(day) - firstWeek) / 7 : day - startDay;
    if (step % interval !== 0) continue;
    const t = day * DAY_MS + timeOfDay;
    if (t < dtstart || t < from || t > to || (until !== null && t > until)) continue;
    out.push(t);
  }
  return out;
}

/**
 * Readings of a rule whose instants lie in [from, to), converted by `toInstant`.
 * The floating window is widened by a day each side, because a wall-clock
 * reading and its instant differ by the zone offset (< 24 h).
 */
function expandIn(
  rule: string,
  startsOnLocal: string,
  from: number,
  to: number,
  toFloating: (instant: number) => number,
  toInstant: (floating: number) => number,
): { local: number; start: number }[] {
  const dtstart = floatingStart(startsOnLocal);
  const out: { local: number; start: number }[] = [];
  const seen = new Set<number>();
  for (const local of expandFloating(rule, dtstart, toFloating(from - DAY_MS), toFloating(to + DAY_MS))) {
    const start = toInstant(local);
    // Two readings meet on one instant only across a spring-forward gap
    // (01:30 moves to 02:30); the session happens once.
    if (start >= from && start < to && !seen.has(start)) {
      seen.add(start);
      out.push({ local, start });
    }
  }
  return out;
}

/** Occurrences whose start instant lies in [from, to), each converted on its own. */
export function expandBetween(input: RecurrenceInput, from: Date, to: Date): Occurrence[] {
  return expandIn(
    input.rule,
    input.startsOnLocal,
    from.getTime(),
    to.getTime(),
    (t) => floatingFromWall(wallTimeAt(t, input.timeZone)),
    (f) => instantFromWallTime(wallFromFloating(f), input.timeZone).getTime(),
  ).map((o) => ({ local: wallFromFloating(o.local), start: new Date(o.start) }));
}

/**
 * Instants in [from, to) of a rule started at a local reading, converted with
 * a ZoneClock learnt over the window: the same occurrences as expandBetween, as
 * milliseconds.
 */
export function expandInstants(
  rule: string,
  startsOnLocal: string,
  clock: ZoneClock,
  from: number,
  to: number,
): { local: number; start: number }[] {
  return expandIn(rule, startsOnLocal, from, to, clock.toFloating, clock.toInstant);
}

export { formatFloating };
