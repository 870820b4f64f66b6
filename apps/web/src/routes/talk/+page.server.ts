import { redirect } from "@sveltejs/kit";
import { EXPERIENCE_TAGS, LANGUAGES, availabilityText, can, dropInToSuggest, nightLabel } from "@offshift/core";
import { listUpcomingOccurrences, talkAvailability } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { placesView } from "$lib/server/places.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  // A nickname is enough: no email, no phone.
  if (!can(locals.actor, "talk.request")) redirect(303, "/join?next=/talk");
  const now = clockNow();
  const db = getDb();
  const counts = await talkAvailability(db, now);
  // Nobody on call: a drop-in open now that has a place, else the next one actually going ahead.
  const suggested =
    counts.onCall > 0
      ? null
      : dropInToSuggest(
          await listUpcomingOccurrences(db, { now, days: 7 }),
          now,
          (item) => placesView(item).door === null,
        );
  const when = suggested ? nightLabel(suggested.item.startsAt, now, env().ORG_TIMEZONE) : null;
  return {
    isGuest: locals.actor.kind === "guest",
    counts,
    availability: availabilityText(counts.onCall, when && { ...when, openNow: suggested!.openNow }),
    nextDropIn: suggested
      ? { id: suggested.item.occurrenceId, title: suggested.item.title, openNow: suggested.openNow, when }
      : null,
    languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
    tags: [...EXPERIENCE_TAGS],
  };
};
