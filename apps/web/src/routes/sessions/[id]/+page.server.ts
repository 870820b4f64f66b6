import { error } from "@sveltejs/kit";
import { LOBBY_OPENS_MINUTES_BEFORE, firstName, isId, isLobbyOpen, nightLabel } from "@offshift/core";
import { findOccurrence } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ params, locals }) => {
  if (!isId(params.id)) error(404, "We could not find that session.");
  const occ = await findOccurrence(getDb(), params.id);
  if (!occ) error(404, "We could not find that session.");
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const lobbyOpensAt = new Date(occ.startsAt.getTime() - LOBBY_OPENS_MINUTES_BEFORE * 60_000);
  const state = occ.cancelled
    ? "cancelled"
    : occ.endsAt <= now
      ? "ended"
      : isLobbyOpen(occ, now)
        ? "lobby"
        : "upcoming";
  return {
    session: {
      id: occ.occurrenceId,
      seriesId: occ.seriesId,
      title: occ.title,
      theme: occ.theme,
      description: occ.description,
      facilitator: occ.facilitatorFirstName,
      capacity: occ.capacity,
      planning: occ.planning,
      startsAt: occ.startsAt.toISOString(),
      when: nightLabel(occ.startsAt, now, tz),
      lobbyOpensAt: nightLabel(lobbyOpensAt, now, tz).time,
      state,
    },
    joinedAs: (locals.person && firstName(locals.person.displayName)) ?? locals.guest?.nickname ?? null,
  };
};
