import { readClock } from "@offshift/launcher";
import { env } from "./env.js";

/**
 * The time, for every server-side decision about sessions. In tests
 * (NODE_ENV=test only, enforced by the env schema) it can be read from a file
 * the test writes, so "Tuesday 21:52" can be reached on any day; realtime's
 * jobs read the same file through the same helper.
 */
export function now(): Date {
  return readClock(env().OFFSHIFT_TEST_CLOCK_FILE);
}
