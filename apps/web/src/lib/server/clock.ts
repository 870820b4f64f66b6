import { readFileSync } from "node:fs";
import { env } from "./env.js";

/**
 * The time, for every server-side decision about sessions. In tests
 * (NODE_ENV=test only, enforced by the env schema) it can be read from a file
 * the test writes, so "Tuesday 21:52" can be reached on any day.
 */
export function now(): Date {
  const file = env().OFFSHIFT_TEST_CLOCK_FILE;
  if (!file) return new Date();
  try {
    const t = new Date(readFileSync(file, "utf8").trim());
    return Number.isNaN(t.getTime()) ? new Date() : t;
  } catch {
    return new Date();
  }
}
