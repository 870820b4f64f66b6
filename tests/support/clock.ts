import { instantFromWallTime, wallTimeAt } from "@offshift/core";

export const LONDON = "Europe/London";

/**
 * A London calendar day to pin a test's clock to, so that no test depends on the
 * day it runs: the first `weekday` (0 = Sunday … 6 = Saturday) at least
 * `atLeastDaysAhead` days after today in London. Returns `at(hour, minute,
 * plusDays = 0)`: the instant of that wall-clock time in London, `plusDays` later.
 */
export function londonDay(weekday: number, atLeastDaysAhead: number) {
  const today = wallTimeAt(new Date(), LONDON);
  const todayUtc = Date.UTC(today.year, today.month - 1, today.day);
  const weekdayThen = (new Date(todayUtc).getUTCDay() + atLeastDaysAhead) % 7;
  const day = todayUtc + (atLeastDaysAhead + ((weekday - weekdayThen + 7) % 7)) * 86_400_000;
  return (hour: number, minute: number, plusDays = 0): Date => {
    const d = new Date(day + plusDays * 86_400_000);
    return instantFromWallTime(
      { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute },
      LONDON,
    );
  };
}
