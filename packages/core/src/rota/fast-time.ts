import * as rruleModule from "rrule";
import type { Options, RRule as RRuleType, Weekday as RRuleWeekday } from "rrule";
import { DomainError } from "../errors.js";
import { offsetMinutesAt, parseFloating, type WallTime } from "../time/zoned.js";

/**
 * The rota's fast path for time. The engine expands hundreds of rules and
 * converts tens of thousands of readings, so it avoids two costs of
 * time/recurrence.ts (whose behaviour it reproduces exactly, and is tested
 * against):
 * - a new TZDate per conversion: a ZoneClock learns the zone's offset changes
 *   over the window once, then converts with arithmetic;
 * - rrule.js for the simple rules the builders write (WEEKLY or DAILY with
 *   INTERVAL, BYDAY, WKST, UNTIL): those are expanded by date arithmetic. Any
 *   other rule still goes through rrule.js.
 *
 * "Floating" milliseconds are a wall-clock reading written as if it were UTC
 * (Date.UTC of the reading), as in time/recurrence.ts.
 */

const rrule = rruleModule as unknown as { RRule?: typeof RRuleType; default?: { RRule: typeof RRuleType } };
const RRule = (rrule.RRule ?? rrule.default?.RRule)!;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** No zone is more than 14 hours from UTC. */
const MAX_OFFSET_MS = 14 * HOUR_MS;
/** Zones never change offset twice within this; sampling at this step finds every change. */
const SAMPLE_MS = 6 * HOUR_MS;

export const floatingFromWall = (w: WallTime): number =>
  Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0);

/** Whole days since 1970-01-01 of a floating reading. */
export const dayNumber = (floating: number): number => Math.floor(floating / DAY_MS);
/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
export const weekdayOfDay = (day: number): number => (((day + 3) % 7) + 7) % 7;
/** "2026-03-29" for a day number. */
export const isoDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** "07:00" for a floating reading. */
export const clockLabel = (floating: number): string => new Date(floating).toISOString().slice(11, 16);

/** The day number of "2026-03-29", or null if that date does not exist. */
export function dayFromIsoDate(date: string): number | null {
  const w = parseFloating(`${date}T00:00`);
  return w ? dayNumber(floatingFromWall(w)) : null;
}

export interface ZoneClock {
  readonly timeZone: string;
  /** UTC offset in minutes at an instant (ms). */
  offsetAt(instant: number): number;
  /** The instant at which clocks read `floating`, with the rules of instantFromWallTime. */
  toInstant(floating: number): number;
  /** The wall-clock reading (floating ms) at an instant. */
  toFloating(instant: number): number;
}

/**
 * A converter for one zone that is exact everywhere and fast inside
 * [fromInstant, toInstant] (widened by two days): offset changes there are
 * found once, to the minute, by sampling and bisection.
 */
export function zoneClock(timeZone: string, fromInstant: number, untilInstant: number): ZoneClock {
  const lo = Math.floor((fromInstant - 2 * DAY_MS) / MINUTE_MS) * MINUTE_MS;
  const hi = untilInstant + 2 * DAY_MS;
  const slowOffset = (t: number) => offsetMinutesAt(new Date(t), timeZone);
  // offsets[i] holds from changes[i - 1] (inclusive) to changes[i] (exclusive).
  const changes: number[] = [];
  const offsets: number[] = [slowOffset(lo)];
  let prevT = lo;
  let prevO = offsets[0]!;
  for (let t = lo + SAMPLE_MS; prevT < hi; t += SAMPLE_MS) {
    const o = slowOffset(t);
    if (o !== prevO) {
      // Bisect to the first minute with the new offset.
      let a = prevT;
      let b = t;
      while (b - a > MINUTE_MS) {
        const mid = a + Math.floor((b - a) / 2 / MINUTE_MS) * MINUTE_MS;
        if (slowOffset(mid) === prevO) a = mid;
        else b = mid;
      }
      changes.push(b);
      offsets.push(o);
      prevO = o;
    }
    prevT = t;
  }
  const end = prevT;

  const indexAt = (t: number): number => {
    let a = 0;
    let b = changes.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (changes[m]! <= t) a = m + 1;
      else b = m;
    }
    return a;
  };
  const offsetAt = (t: number): number => (t < lo || t >= end ? slowOffset(t) : offsets[indexAt(t)]!);

  const toInstant = (floating: number): number => {
    const first = indexAt(floating - MAX_OFFSET_MS);
    const last = indexAt(floating + MAX_OFFSET_MS);
    if (first === last && floating - MAX_OFFSET_MS >= lo && floating + MAX_OFFSET_MS < end) {
      return floating - offsets[first]! * MINUTE_MS;
    }
    // Near an offset change (or outside the learnt range): try every offset in
    // force within a day of the reading. Several fit: the reading happens twice,
    // take the first. None fits: the reading falls in a gap and moves forward by
    // its length, i.e. it is read with the offset before the change (the smaller).
    const candidates = new Set<number>([offsetAt(floating - MAX_OFFSET_MS), offsetAt(floating + MAX_OFFSET_MS)]);
    for (let i = first; i < last; i++) candidates.add(offsets[i + 1]!);
    let best = Number.POSITIVE_INFINITY;
    for (const o of candidates) {
      const t = floating - o * MINUTE_MS;
      if (offsetAt(t) === o && t < best) best = t;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    return floating - Math.min(...candidates) * MINUTE_MS;
  };

  return { timeZone, offsetAt, toInstant, toFloating: (t) => t + offsetAt(t) * MINUTE_MS };
}

interface CompiledRule {
  options: Partial<Options>;
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
  if (/DTSTART|TZID/i.test(body))
    throw new DomainError("INVALID", "The rule must not carry DTSTART or TZID; the start and zone are set separately");
  let options: Partial<Options>;
  try {
    options = RRule.parseString(body);
  } catch {
    throw new DomainError("INVALID", `"${rule}" is not a valid recurrence rule`);
  }
  if (options.freq === undefined) throw new DomainError("INVALID", "The recurrence rule needs a FREQ");
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
  const rawDays =
    options.byweekday == null ? [] : Array.isArray(options.byweekday) ? options.byweekday : [options.byweekday];
  const days = rawDays.map(weekdayNumber);
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

/**
 * Occurrences of `rule` from `dtstart` (both floating) that lie in
 * [from, to] (floating, inclusive), ascending. Same results as rrule.js.
 */
export function expandFloating(rule: string, dtstart: number, from: number, to: number): number[] {
  const c = compile(rule);
  if (!c.fast) {
    const r = new RRule({ ...c.options, dtstart: new Date(dtstart), tzid: null });
    return r.between(new Date(from), new Date(to), true).map((d) => d.getTime());
  }
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

/** A parsed RFC 5545 recurrence set in floating time (no TZID, no "Z"). */
export interface FloatingRuleSet {
  dtstart: number;
  rrules: string[];
  rdates: number[];
  exdates: number[];
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;

export function parseStamp(stamp: string): number | null {
  const m = STAMP.exec(stamp.trim());
  if (!m) return null;
  const w = parseFloating(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`);
  return w ? floatingFromWall(w) : null;
}

export const formatStamp = (floating: number): string =>
  new Date(floating).toISOString().slice(0, 19).replace(/[-:]/g, "");

const setCache = new Map<string, FloatingRuleSet>();

/**
 * Parse "DTSTART:20260105T070000\nRRULE:...\nRDATE:...\nEXDATE:..." (floating
 * local times in the organisation's zone). Throws DomainError("INVALID").
 */
export function parseRuleSet(text: string): FloatingRuleSet {
  const hit = setCache.get(text);
  if (hit) return hit;
  let dtstart: number | null = null;
  const rrules: string[] = [];
  const rdates: number[] = [];
  const exdates: number[] = [];
  const stamps = (value: string, line: string) =>
    value.split(",").map((s) => {
      const t = parseStamp(s);
      if (t === null) throw new DomainError("INVALID", `"${line}" needs local times like 20260105T070000`);
      return t;
    });
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = (colon < 0 ? line : line.slice(0, colon)).toUpperCase();
    const value = colon < 0 ? "" : line.slice(colon + 1);
    if (name.includes(";"))
      throw new DomainError("INVALID", `"${line}": times are local to the organisation's zone; no TZID or VALUE`);
    if (name === "DTSTART") {
      dtstart = stamps(value, line)[0] ?? null;
    } else if (name === "RRULE") {
      checkRule(value);
      rrules.push(value);
    } else if (name === "RDATE") rdates.push(...stamps(value, line));
    else if (name === "EXDATE") exdates.push(...stamps(value, line));
    else throw new DomainError("INVALID", `"${line}" is not part of a recurrence set`);
  }
  if (dtstart === null) throw new DomainError("INVALID", "A recurrence set needs a DTSTART line");
  const out = { dtstart, rrules, rdates, exdates };
  if (setCache.size > 20_000) setCache.clear();
  setCache.set(text, out);
  return out;
}

/**
 * Occurrences of a recurrence set in [from, to] (floating, inclusive),
 * ascending, without duplicates. DTSTART counts as an occurrence only when a
 * rule produces it or there is no rule (as rrule.js does).
 */
export function expandRuleSet(set: FloatingRuleSet, from: number, to: number): number[] {
  const found = new Set<number>();
  for (const rule of set.rrules) for (const t of expandFloating(rule, set.dtstart, from, to)) found.add(t);
  const singles = set.rrules.length ? set.rdates : [set.dtstart, ...set.rdates];
  for (const t of singles) if (t >= from && t <= to) found.add(t);
  for (const t of set.exdates) found.delete(t);
  return [...found].sort((a, b) => a - b);
}

/**
 * Instants in [from, to) of a rule started at a local reading: the same
 * occurrences as time/recurrence.ts expandBetween, as milliseconds.
 */
export function expandInstants(
  rule: string,
  startsOnLocal: string,
  clock: ZoneClock,
  from: number,
  to: number,
): { local: number; start: number }[] {
  const w = parseFloating(startsOnLocal);
  if (!w) throw new DomainError("INVALID", `Start "${startsOnLocal}" is not a valid local date and time`);
  const out: { local: number; start: number }[] = [];
  const seen = new Set<number>();
  for (const local of expandFloating(
    rule,
    floatingFromWall(w),
    clock.toFloating(from - DAY_MS),
    clock.toFloating(to + DAY_MS),
  )) {
    const start = clock.toInstant(local);
    // Two readings meet on one instant only across a spring-forward gap.
    if (start >= from && start < to && !seen.has(start)) {
      seen.add(start);
      out.push({ local, start });
    }
  }
  return out;
}
