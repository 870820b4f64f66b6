import { parseFloating, type WallTime } from "./zoned.js";

/**
 * "Floating" milliseconds: a wall-clock reading written as if it were UTC
 * (Date.UTC of the reading). Recurrences are expanded in floating time, so
 * date arithmetic never meets an offset change; a ZoneClock or
 * instantFromWallTime turns a reading into an instant at the very end.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const floatingFromWall = (w: WallTime): number =>
  Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0);

export function wallFromFloating(floating: number): WallTime {
  const d = new Date(floating);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

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
