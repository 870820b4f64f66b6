import { error } from "@sveltejs/kit";
import { firstName, lobbyStatus, nextLobbyStatusChange, nightLabel } from "@offshift/core";
import { findOccurrence } from "@offshift/db";
import { getDb } from "./db.js";
import { placesView } from "./places.js";

export type SessionOccurrence = NonNullable<Awaited<ReturnType<typeof findOccurrence>>>;

/** The drop-in a session page's id names (checked with `isId` first), or the 404 a worker sees. */
export async function occurrenceOr404(id: string): Promise<SessionOccurrence> {
  const occ = await findOccurrence(getDb(), id);
  if (!occ) error(404, "We could not find that session.");
  return occ;
}

/** What a session page and its room both say of the session, as the clock stands at `now`. */
export function sessionSummary(occ: SessionOccurrence, now: Date, timeZone: string) {
  const next = nextLobbyStatusChange(occ, now);
  return {
    id: occ.occurrenceId,
    seriesId: occ.seriesId,
    title: occ.title,
    theme: occ.theme,
    facilitator: occ.facilitatorFirstName,
    places: placesView(occ),
    when: nightLabel(occ.startsAt, now, timeZone),
    state: lobbyStatus(occ, now),
    /** Milliseconds until the state can next change by the clock alone (the page refreshes then). */
    refreshInMs: next ? next.getTime() - now.getTime() : null,
  };
}

/** The name this browser is here under: an account's first name or a guest's nickname (null for neither). */
export function joinedName(locals: App.Locals): string | null {
  return (locals.person && firstName(locals.person.displayName)) ?? locals.guest?.nickname ?? null;
}
