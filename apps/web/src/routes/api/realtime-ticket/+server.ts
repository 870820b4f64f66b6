import { json } from "@sveltejs/kit";
import { issueTicket } from "@offshift/core";
import { env } from "$lib/server/env.js";
import type { RequestHandler } from "./$types";

/** A 60-second, single-use ticket for the socket handshake, for whoever is asking. */
export const GET: RequestHandler = async ({ locals, setHeaders }) => {
  setHeaders({ "cache-control": "no-store" });
  return json({ ticket: await issueTicket(env().REALTIME_TICKET_SECRET, locals.actor, locals.browserKey) });
};
