import { redirect } from "@sveltejs/kit";
import { EXPERIENCE_TAGS, LANGUAGES, availabilityText, can, nightLabel } from "@offshift/core";
import { listUpcomingOccurrences, talkAvailability } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  // A nickname is enough: no email, no phone.
  if (!can(locals.actor, "talk.request")) redirect(303, "/join?next=/talk");
  const now = clockNow();
  const db = getDb();
  const counts = await talkAvailability(db, now);
  const next = counts.onCall > 0 ? null : (await listUpcomingOccurrences(db, { now, days: 7 }))[0];
  const nextDropIn = next ? nightLabel(next.startsAt, now, env().ORG_TIMEZONE) : null;
  return {
    counts,
    availability: availabilityText(counts.onCall, nextDropIn),
    nextDropIn: next ? { id: next.occurrenceId, title: next.title } : null,
    languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
    tags: [...EXPERIENCE_TAGS],
  };
};
