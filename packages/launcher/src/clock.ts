import { readFileSync } from "node:fs";

/**
 * The time for every server-side decision about sessions, in web and in
 * realtime's jobs. With a test clock file (NODE_ENV=test only, enforced by the
 * env schemas) "now" is the ISO instant written in that file, so a test can
 * reach "Tuesday 21:52" on any day and both processes agree on it. A missing,
 * empty or unreadable file means the real time.
 */
export function readClock(testClockFile?: string): Date {
  if (!testClockFile) return new Date();
  try {
    const t = new Date(readFileSync(testClockFile, "utf8").trim());
    return Number.isNaN(t.getTime()) ? new Date() : t;
  } catch {
    return new Date();
  }
}
