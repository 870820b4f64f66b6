import { error, redirect } from "@sveltejs/kit";
import {
  SAFEGUARDING_CATEGORIES,
  can,
  issueTicket,
  firstName,
  isId,
  nextLobbyStatusChange,
  nightLabel,
  lobbyStatus,
} from "@offshift/core";
import { findOccurrence } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { placesView } from "$lib/server/places.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ params, locals }) => {
  if (!isId(params.id)) error(404, "We could not find that session.");
  // A nickname (or an account) first: the room shows names, never anything else.
  if (!can(locals.actor, "dropin.join")) redirect(303, `/join?next=/sessions/${params.id}/room`);
  const occ = await findOccurrence(getDb(), params.id);
  if (!occ) error(404, "We could not find that session.");
  const now = clockNow();
  const state = lobbyStatus(occ, now);
  // Not open yet: the session page says when it will be. Cancelled, finished or not going ahead: said here.
  if (state === "upcoming") redirect(303, `/sessions/${params.id}`);
  const e = env();
  const next = nextLobbyStatusChange(occ, now);
  return {
    session: {
      id: occ.occurrenceId,
      seriesId: occ.seriesId,
      title: occ.title,
      theme: occ.theme,
      facilitator: occ.facilitatorFirstName,
      /** Told when the facilitator is late: the backup, or the coordinators. */
      alerted: occ.backupFirstName ?? "the coordinators",
      roomStyle: occ.roomStyle,
      when: nightLabel(occ.startsAt, now, e.ORG_TIMEZONE),
      state,
      places: placesView(occ),
      /** Milliseconds until the state can next change by the clock alone (the page refreshes then). */
      refreshInMs: next ? next.getTime() - now.getTime() : null,
    },
    joinedAs: (locals.person && firstName(locals.person.displayName)) ?? locals.guest?.nickname ?? "",
    isFacilitator: !!locals.person && occ.runnerIds.includes(locals.person.id),
    iceServers: e.ICE_SERVERS,
    categories: [...SAFEGUARDING_CATEGORIES],
    /**
     * The socket's first ticket comes with the page: from Tonight (which has no socket) one tap is
     * one page load, not a page load and then a ticket fetch, before the room (see realtime.svelte.ts).
     */
    realtime: {
      url: e.PUBLIC_REALTIME_URL ?? null,
      port: e.REALTIME_PORT,
      ticket: await issueTicket(e.REALTIME_TICKET_SECRET, locals.actor, locals.browserKey),
    },
    /** Tests read audio statistics through window.offshiftRoom (NODE_ENV=test only). */
    testHooks: e.NODE_ENV === "test",
  };
};
