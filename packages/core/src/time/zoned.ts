import { TZDate } from "@date-fns/tz";

/** A wall-clock reading in some zone, without the zone. Months are 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const FLOATING = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parse "2026-11-24T22:00" or "2026-11-24T22:00:00" (no zone, no offset). */
export function parseFloating(value: string): WallTime | null {
  const m = FLOATING.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => (x ? Number(x) : 0)) as number[];
  const probe = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  // Reject 2026-02-30 and 25:00 rather than silently rolling over.
  if (
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month! - 1 ||
    probe.getUTCDate() !== day ||
    probe.getUTCHours() !== hour ||
    probe.getUTCMinutes() !== minute
  )
    return null;
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
}

export function formatFloating(w: WallTime): string {
  const p = (n: number, l = 2) => String(n).padStart(l, "0");
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second ?? 0)}`;
}

/*
 * Memoised: a page lists the same few dozen session starts on every request (Tonight asks
 * for each one up to four times), and building a TZDate is the costly part. Bounded; the
 * answer for an instant and a zone never changes, so a hit is the answer itself.
 */
const wallTimes = new Map<string, WallTime>();
const WALL_TIMES_KEPT = 4096;

/** The wall-clock reading of an instant in a zone. */
export function wallTimeAt(instant: Date | number, timeZone: string): WallTime {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  const key = `${ms} ${timeZone}`;
  const known = wallTimes.get(key);
  if (known) return { ...known };
  const d = new TZDate(ms, timeZone);
  const wall = {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
  };
  if (wallTimes.size >= WALL_TIMES_KEPT) wallTimes.clear();
  wallTimes.set(key, wall);
  return { ...wall };
}

function sameWallTime(a: WallTime, b: WallTime): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    (a.second ?? 0) === (b.second ?? 0)
  );
}

/**
 * The instant at which clocks in `timeZone` read `wall`.
 *
 * Defined behaviour on the two clock-change nights (Europe/London):
 * - A reading that never happens (01:30 on the spring-forward night) moves
 *   forward by the length of the gap: 01:30 becomes 02:30 BST.
 * - A reading that happens twice (01:30 on the fall-back night) means the first
 *   time the clock shows it (01:30 BST), so a session is never held twice and
 *   never an hour late.
 */
export function instantFromWallTime(wall: WallTime, timeZone: string): Date {
  const t = new TZDate(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second ?? 0,
    timeZone,
  ).getTime();
  // @date-fns/tz resolves an ambiguous reading to the later instant; look for an
  // earlier instant that reads the same (offset changes are 30 or 60 minutes).
  for (const shift of [3_600_000, 1_800_000]) {
    if (sameWallTime(wallTimeAt(t - shift, timeZone), wall)) return new Date(t - shift);
  }
  return new Date(t);
}

/** Whole-minute offset of `timeZone` from UTC at `instant`, e.g. +60 in BST. */
export function offsetMinutesAt(instant: Date, timeZone: string): number {
  return -new TZDate(instant.getTime(), timeZone).getTimezoneOffset();
}
