import {
  currentOrNextQuietHours,
  isQuietAt,
  shiftTemplate,
  volunteerPreferences,
  workPatternRules,
  type QuietHoursInput,
} from "@offshift/core";
import { client, type DbOrTx } from "../client.js";

/**
 * Each volunteer's quiet hours, from their saved work pattern and the rest
 * they stated (core rota/quiet.ts). Someone with no usable pattern has none.
 */
export async function loadQuietHours(
  handle: DbOrTx,
  personIds: readonly string[],
  timeZone: string,
): Promise<Map<string, QuietHoursInput>> {
  const db = client(handle);
  const out = new Map<string, QuietHoursInput>();
  if (personIds.length === 0) return out;
  const rows = await db.volunteerRota.findMany({
    where: { personId: { in: [...new Set(personIds)] } },
    select: { personId: true, shifts: true, pattern: true, preferences: true },
  });
  for (const r of rows) {
    const shifts = shiftTemplate.array().safeParse(r.shifts);
    const pattern = workPatternRules.safeParse(r.pattern);
    if (!shifts.success || !pattern.success) continue;
    const prefs = volunteerPreferences.safeParse(r.preferences);
    out.set(r.personId, {
      shifts: shifts.data,
      pattern: pattern.data,
      restAfterShiftMinutes: prefs.success ? prefs.data.restAfterShiftMinutes : undefined,
      timeZone,
    });
  }
  return out;
}

/**
 * Of `personIds`, those inside their quiet hours at `now`: rota pushes and
 * rota mails for them wait. Nothing is queued for later: the jobs ask again on
 * every run, so what is still due when quiet hours end goes out then, and what
 * went stale meanwhile (the slot started, the cover was taken, the 24-hour
 * reminder became the 1-hour one) is never sent.
 */
export async function quietNow(
  handle: DbOrTx,
  personIds: readonly string[],
  now: Date,
  timeZone: string,
): Promise<Set<string>> {
  const db = client(handle);
  const hours = await loadQuietHours(db, personIds, timeZone);
  const quiet = new Set<string>();
  for (const [personId, input] of hours) if (isQuietAt(input, now)) quiet.add(personId);
  return quiet;
}

/** For the volunteer's rota page: the quiet hours they are in now, or the next ones this week. */
export async function myQuietHours(
  handle: DbOrTx,
  input: { personId: string; now: Date; timeZone: string },
): Promise<{ now: boolean; start: Date; end: Date; shift: string } | null> {
  const db = client(handle);
  const hours = (await loadQuietHours(db, [input.personId], input.timeZone)).get(input.personId);
  return hours ? currentOrNextQuietHours(hours, input.now) : null;
}
