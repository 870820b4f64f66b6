/**
 * Overload: a realtime node that has too much waiting refuses a command at once
 * with `busy` (nothing was done), rather than queueing it until it times out.
 * The browser tries again after a growing, jittered pause, and only says
 * something when it has tried for a while.
 */
export const BUSY_MESSAGE = "Offshift is very busy just now. We're trying again for you.";
export const STILL_BUSY_MESSAGE = "Offshift is very busy just now. Please try again in a minute.";

/** Pauses before each retry of a busy command: about 0.2, 0.4, 0.8, 1.6 and 3.2 s (about 6 s in all). */
export const BUSY_RETRIES = 5;
const FIRST_PAUSE_MS = 200;

/**
 * The pause before retry `attempt` (1-based): doubling from 200 ms, with "equal
 * jitter" (half fixed, half random) so that many clients refused at once do not
 * all come back at the same moment. `random` is in [0, 1).
 */
export function busyRetryDelay(attempt: number, random: number): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const ceiling = FIRST_PAUSE_MS * 2 ** (Math.min(attempt, BUSY_RETRIES) - 1);
  const r = Math.min(Math.max(random, 0), 0.999_999);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}
