import { instantFromWallTime, wallTimeAt } from "../time/zoned.js";

/**
 * Voice figures are kept by calendar month (never finer) and published by
 * quarter, in the organisation's zone. A quarter is published only once it is
 * closed: its figures never change afterwards, so two versions of a page cannot
 * be differenced either.
 */
export type MonthKey = `${number}-${string}`; // "2026-11"
export type QuarterKey = `${number}-Q${number}`; // "2026-Q4"

/** Facilitators may tick themes until this long after a session ends. */
export const TICK_WINDOW_HOURS = 48;
/** A quarter is published this many days after it ends (after the last ticks are in). */
export const PUBLISH_AFTER_DAYS = 3;

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const pad = (n: number) => String(n).padStart(2, "0");

export function monthOf(instant: Date, timeZone: string): MonthKey {
  const w = wallTimeAt(instant, timeZone);
  return `${w.year}-${pad(w.month)}` as MonthKey;
}

export function parseMonth(key: string): { year: number; month: number } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return null;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? { year: Number(m[1]), month } : null;
}

export function monthLabel(key: string): string {
  const p = parseMonth(key);
  return p ? `${MONTH_NAMES[p.month - 1]} ${p.year}` : key;
}

export function quarterOfMonth(key: string): QuarterKey {
  const p = parseMonth(key);
  if (!p) throw new Error(`not a month: ${key}`);
  return `${p.year}-Q${Math.floor((p.month - 1) / 3) + 1}` as QuarterKey;
}

export function parseQuarter(key: string): { year: number; quarter: number } | null {
  const m = /^(\d{4})-Q([1-4])$/.exec(key);
  return m ? { year: Number(m[1]), quarter: Number(m[2]) } : null;
}

export function quarterMonths(key: string): [MonthKey, MonthKey, MonthKey] {
  const q = parseQuarter(key);
  if (!q) throw new Error(`not a quarter: ${key}`);
  const first = (q.quarter - 1) * 3 + 1;
  return [0, 1, 2].map((i) => `${q.year}-${pad(first + i)}`) as [MonthKey, MonthKey, MonthKey];
}

export function quarterLabel(key: string): string {
  const [a, , c] = quarterMonths(key);
  const q = parseQuarter(key)!;
  return `${MONTH_NAMES[parseMonth(a)!.month - 1]} to ${MONTH_NAMES[parseMonth(c)!.month - 1]} ${q.year}`;
}

/** The first instant of a month in the zone. */
export function monthStart(key: string, timeZone: string): Date {
  const p = parseMonth(key);
  if (!p) throw new Error(`not a month: ${key}`);
  return instantFromWallTime({ year: p.year, month: p.month, day: 1, hour: 0, minute: 0 }, timeZone);
}

function nextMonth(key: string): MonthKey {
  const p = parseMonth(key)!;
  return (p.month === 12 ? `${p.year + 1}-01` : `${p.year}-${pad(p.month + 1)}`) as MonthKey;
}

/** When a quarter's figures go public: PUBLISH_AFTER_DAYS after its last day, at midnight in the zone. */
export function quarterPublishesAt(key: string, timeZone: string): Date {
  const after = nextMonth(quarterMonths(key)[2]);
  const p = parseMonth(after)!;
  return instantFromWallTime(
    { year: p.year, month: p.month, day: 1 + PUBLISH_AFTER_DAYS, hour: 0, minute: 0 },
    timeZone,
  );
}

/** Quarters whose figures are public at `now`, newest first, back to the quarter of `since` (a month). */
export function publishedQuarters(now: Date, timeZone: string, since: string): QuarterKey[] {
  const out: QuarterKey[] = [];
  let q = quarterOfMonth(monthOf(now, timeZone));
  const stop = quarterOfMonth(since);
  for (let guard = 0; guard < 400; guard++) {
    if (quarterPublishesAt(q, timeZone) <= now) out.push(q);
    if (q === stop) break;
    const p = parseQuarter(q)!;
    q = (p.quarter === 1 ? `${p.year - 1}-Q4` : `${p.year}-Q${p.quarter - 1}`) as QuarterKey;
    if (q < stop) break;
  }
  return out;
}
