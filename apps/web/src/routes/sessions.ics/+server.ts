import { calendarResponse } from "$lib/server/calendar.js";
import type { RequestHandler } from "./$types";

/** Subscribable feed of every public drop-in. */
export const GET: RequestHandler = ({ request }) => calendarResponse({}, "Offshift drop-ins", request);
