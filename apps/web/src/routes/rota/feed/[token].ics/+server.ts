import { error } from "@sveltejs/kit";
import { volunteerCalendar } from "@offshift/core";
import { loadVolunteerFeed } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import type { RequestHandler } from "./$types";

/** A volunteer's secret calendar feed: their rota slots and the drop-ins they facilitate. */
export const GET: RequestHandler = async ({ params }) => {
  const feed = await loadVolunteerFeed(getDb(), { token: params.token, now: clockNow() });
  if (!feed) error(404, "Not found");
  const body = volunteerCalendar({
    name: `${feed.firstName}'s Offshift rota`,
    timeZone: env().ORG_TIMEZONE,
    origin: env().ORIGIN,
    slots: feed.slots,
    sessions: feed.sessions,
  });
  return new Response(body, {
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'inline; filename="offshift-rota.ics"',
      // Personal: never kept by shared caches, and the URL is not leaked onwards.
      "cache-control": "private, max-age=300",
      "referrer-policy": "no-referrer",
    },
  });
};
