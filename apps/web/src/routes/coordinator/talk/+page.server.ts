import { listDebriefRequests, talkAggregates } from "@offshift/db";
import { firstName } from "@offshift/core";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import type { PageServerLoad } from "./$types";

const DAY = 86_400_000;

export const load: PageServerLoad = async ({ locals, url }) => {
  requireCan(locals, "talk.viewAggregate");
  const days = url.searchParams.get("days") === "30" ? 30 : 7;
  const now = clockNow();
  const timeZone = env().ORG_TIMEZONE;
  const from = new Date(now.getTime() - days * DAY);
  const [aggregates, debriefs] = await Promise.all([
    talkAggregates(getDb(), { from, to: new Date(now.getTime() + 1), timeZone }),
    listDebriefRequests(getDb(), new Date(now.getTime() - 14 * DAY)),
  ]);
  return {
    days,
    timeZone,
    aggregates,
    // Volunteers asked for these themselves; nothing about the workers they spoke to.
    debriefs: debriefs.map((d) => ({ at: d.at.toISOString(), volunteer: firstName(d.volunteer) })),
  };
};
