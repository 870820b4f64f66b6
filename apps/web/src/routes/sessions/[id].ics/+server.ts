import { calendarResponse } from "$lib/server/calendar.js";
import type { RequestHandler } from "./$types";

/** One session, to add to a calendar. */
export const GET: RequestHandler = ({ params, request }) =>
  calendarResponse({ occurrenceId: params.id }, "Offshift session", request);
