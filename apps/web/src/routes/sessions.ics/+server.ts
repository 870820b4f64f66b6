import { calendarResponse } from "$lib/server/calendar.js";

/** Subscribable feed of every public drop-in. */
export const GET = () => calendarResponse({}, "Offshift drop-ins");
