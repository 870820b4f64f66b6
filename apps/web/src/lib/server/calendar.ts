import { error } from "@sveltejs/kit";
import { now as clockNow } from "$lib/server/clock.js";
import { isId, sessionsCalendar } from "@offshift/core";
import { listCalendarSessions } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";

const FEED_DAYS = 56;

/** An RFC 5545 response for all sessions, one series, or one session. */
export async function calendarResponse(
  scope: { seriesId?: string; occurrenceId?: string },
  name: string,
): Promise<Response> {
  if ((scope.seriesId && !isId(scope.seriesId)) || (scope.occurrenceId && !isId(scope.occurrenceId)))
    error(404, "Not found");
  const sessions = await listCalendarSessions(getDb(), { now: clockNow(), days: FEED_DAYS, ...scope });
  if ((scope.seriesId || scope.occurrenceId) && sessions.length === 0) error(404, "Not found");
  const body = sessionsCalendar({
    name: scope.occurrenceId ? sessions[0]!.title : scope.seriesId ? `${sessions[0]!.title} (Offshift)` : name,
    timeZone: env().ORG_TIMEZONE,
    origin: env().ORIGIN,
    sessions,
  });
  return new Response(body, {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": `inline; filename="${scope.occurrenceId ? "offshift-session" : "offshift-sessions"}.ics"`,
      "cache-control": "public, max-age=300",
    },
  });
}
