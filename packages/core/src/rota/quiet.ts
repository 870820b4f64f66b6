import { DAY_MS, MINUTE_MS, dayNumber } from "../time/floating.js";
import { zoneClock, type ZoneClock } from "../time/zone-clock.js";
import { shiftDays, shiftPartMinutes } from "./pattern.js";
import { DEFAULT_REST_AFTER_SHIFT_MINUTES, type ShiftTemplate, type WorkPatternRules } from "./schema.js";

/**
 * Quiet hours, derived from a volunteer's own work pattern (never set by
 * hand): from the end of a late or night shift until the rest they stated
 * after it. No rota push or rota mail goes out inside them.
 *
 * - A shift is late or night when its last part starts before 05:00 or ends
 *   after 20:00 on the wall clock (a 22:00-07:00 night, a 14:00-22:00 late, a
 *   split whose second part ends at 22:00, a 00:00-06:00 night). Early shifts
 *   and days ending by 20:00 make no quiet hours.
 * - Quiet hours start when the shift's last part ends (a split shift's gap is
 *   not rest) and last the rest as elapsed time: 8 h after a night ending at
 *   07:00 local is 15:00 local, on the DST nights too.
 * - Wall-clock ends are read in the volunteer's zone with the same rules as
 *   the rota engine: a reading in a spring-forward gap moves on by the gap,
 *   a repeated reading is the first.
 * - Periods that touch or overlap are one.
 */

export const LATE_PART_STARTS_BEFORE_MINUTES = 5 * 60;
export const LATE_PART_ENDS_AFTER_MINUTES = 20 * 60;

export interface QuietHoursInput {
  shifts: readonly ShiftTemplate[];
  pattern: WorkPatternRules;
  /** Rest after a late or night shift; undefined means the default (8 h). */
  restAfterShiftMinutes?: number | undefined;
  timeZone: string;
}

export interface QuietPeriod {
  start: Date;
  end: Date;
  /** The shift whose end opened it (the first, when periods were merged). */
  shift: string;
}

/** Does this shift make quiet hours when it ends? */
export function isLateOrNightShift(shift: ShiftTemplate): boolean {
  const last = shiftPartMinutes(shift).at(-1);
  if (!last) return false;
  return last.start < LATE_PART_STARTS_BEFORE_MINUTES || last.end > LATE_PART_ENDS_AFTER_MINUTES;
}

const restMs = (input: QuietHoursInput) =>
  (input.restAfterShiftMinutes ?? DEFAULT_REST_AFTER_SHIFT_MINUTES) * MINUTE_MS;

/**
 * The quiet periods overlapping [from, to), merged, in order. Shifts are read
 * from two days before `from` less the rest, so a night that ended before the
 * window still counts.
 */
export function quietPeriods(input: QuietHoursInput, from: Date, to: Date, clock?: ZoneClock): QuietPeriod[] {
  const rest = restMs(input);
  const a = from.getTime();
  const b = to.getTime();
  if (!(b > a) || rest <= 0) return [];
  const zone = clock ?? zoneClock(input.timeZone, a - rest - 2 * DAY_MS, b + DAY_MS);
  const late = new Map(input.shifts.filter(isLateOrNightShift).map((s) => [s.id, s]));
  if (late.size === 0) return [];
  const fromDay = dayNumber(zone.toFloating(a - rest)) - 2;
  const toDay = dayNumber(zone.toFloating(b)) + 1;
  const raw: { start: number; end: number; shift: string }[] = [];
  for (const { shiftId, day } of shiftDays(input.pattern, fromDay, toDay)) {
    const shift = late.get(shiftId);
    if (!shift) continue;
    const last = shiftPartMinutes(shift).at(-1)!;
    const startF = day * DAY_MS + last.start * MINUTE_MS;
    const endF = day * DAY_MS + last.end * MINUTE_MS;
    const partStart = zone.toInstant(startF);
    let end = zone.toInstant(endF);
    // As in the engine: only a part inside a spring-forward gap comes out empty; keep its length.
    if (end <= partStart) end = partStart + (endF - startF);
    if (end + rest > a && end < b) raw.push({ start: end, end: end + rest, shift: shift.name });
  }
  raw.sort((x, y) => x.start - y.start || x.end - y.end);
  const merged: typeof raw = [];
  for (const p of raw) {
    const prev = merged.at(-1);
    if (prev && p.start <= prev.end) prev.end = Math.max(prev.end, p.end);
    else merged.push({ ...p });
  }
  return merged.map((p) => ({ start: new Date(p.start), end: new Date(p.end), shift: p.shift }));
}

/** The quiet period holding `t`, or null when `t` is outside quiet hours. */
export function quietPeriodAt(input: QuietHoursInput, t: Date): QuietPeriod | null {
  const at = t.getTime();
  const found = quietPeriods(input, t, new Date(at + 1)).find((p) => p.start.getTime() <= at && at < p.end.getTime());
  if (!found) return null;
  // A merged period may run on past the look-ahead: follow it to its real end.
  let end = found.end.getTime();
  for (let guard = 0; guard < 400; guard++) {
    const next = quietPeriods(input, new Date(end - 1), new Date(end + DAY_MS)).find(
      (p) => p.start.getTime() <= end && p.end.getTime() > end,
    );
    if (!next) break;
    end = next.end.getTime();
  }
  return { ...found, end: new Date(end) };
}

/** Is `t` inside the volunteer's quiet hours? */
export const isQuietAt = (input: QuietHoursInput, t: Date): boolean => quietPeriodAt(input, t) !== null;

/** When quiet hours end after `t`: `t` itself when it is not inside them. */
export function quietHoursEndAfter(input: QuietHoursInput, t: Date): Date {
  return quietPeriodAt(input, t)?.end ?? t;
}

/** The quiet hours in force at `now`, else the next ones within `withinMs` (a week), else null. */
export function currentOrNextQuietHours(
  input: QuietHoursInput,
  now: Date,
  withinMs = 7 * DAY_MS,
): (QuietPeriod & { now: boolean }) | null {
  const current = quietPeriodAt(input, now);
  if (current) return { ...current, now: true };
  const next = quietPeriods(input, now, new Date(now.getTime() + withinMs)).find((p) => p.start > now);
  return next ? { ...next, now: false } : null;
}
