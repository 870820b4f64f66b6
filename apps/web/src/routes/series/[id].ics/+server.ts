import { calendarResponse } from "$lib/server/calendar.js";
import type { RequestHandler } from "./$types";

/** Subscribable feed of one series. */
export const GET: RequestHandler = ({ params, request }) =>
  calendarResponse({ seriesId: params.id }, "Offshift series", request);
