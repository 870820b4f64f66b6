import { error, redirect } from "@sveltejs/kit";
import { SAFEGUARDING_CATEGORIES, can, issueTicket, isId } from "@offshift/core";
import { now as clockNow } from "$lib/server/clock.js";
import { env } from "$lib/server/env.js";
import { joinedName, occurrenceOr404, sessionSummary } from "$lib/server/session-page.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ params, locals }) => {
  if (!isId(params.id)) error(404, "We could not find that session.");
  // A nickname (or an account) first: the room shows names, never anything else.
  if (!can(locals.actor, "dropin.join")) redirect(303, `/join?next=/sessions/${params.id}/room`);
  const occ = await occurrenceOr404(params.id);
  const e = env();
  const summary = sessionSummary(occ, clockNow(), e.ORG_TIMEZONE);
  // Not open yet: the session page says when it will be. Cancelled, finished or not going ahead: said here.
  if (summary.state === "upcoming") redirect(303, `/sessions/${params.id}`);
  return {
    session: {
      ...summary,
      /** Told when the facilitator is late: the backup, or the coordinators. */
      alerted: occ.backupFirstName ?? "the coordinators",
      roomStyle: occ.roomStyle,
    },
    joinedAs: joinedName(locals) ?? "",
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
