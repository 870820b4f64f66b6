import { LANGUAGES, nightLabel } from "@offshift/core";
import { talkLineSlotsNow } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const person = requireCan(locals, "oncall.start");
  const now = clockNow();
  const slots = await talkLineSlotsNow(getDb(), { personId: person.id, now });
  const zone = env().ORG_TIMEZONE;
  return {
    languageNames: LANGUAGES,
    slots: slots.map((s) => ({
      slotId: s.slotId,
      name: s.name,
      from: nightLabel(s.startsAt, now, zone),
      until: nightLabel(s.endsAt, now, zone).time,
    })),
  };
};
