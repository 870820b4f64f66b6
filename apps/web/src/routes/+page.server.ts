import { fail } from "@sveltejs/kit";
import { now as clockNow } from "$lib/server/clock.js";
import {
  UPCOMING_DAYS,
  attendanceIntentInput,
  can,
  groupForTonight,
  identityRoomFor,
  isLobbyOpen,
  nightLabel,
  lobbyStatus,
} from "@offshift/core";
import { setAttendanceIntent, type TonightShared } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { placesView } from "$lib/server/places.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { failWith } from "$lib/server/refusals.js";
import { allowIntentChange } from "$lib/server/rate-limit.js";
import { countedIn, dropInChanges, tonightShared } from "$lib/server/tonight.js";
import type { Actions, PageServerLoad } from "./$types";

function toView(item: TonightShared, planningFromHere: boolean, now: Date, timeZone: string) {
  return {
    id: item.occurrenceId,
    title: item.title,
    /** Shown above the title when it says something the title does not. */
    theme: item.theme === item.title ? null : item.theme,
    description: item.description,
    facilitator: item.facilitatorFirstName,
    /** Told when the facilitator is late: the backup, or the coordinators. */
    alerted: item.backupFirstName ?? "the coordinators",
    places: placesView(item),
    planning: item.planning,
    planningFromHere,
    startsAt: item.startsAt.toISOString(),
    when: nightLabel(item.startsAt, now, timeZone),
    lobbyOpen: isLobbyOpen(item, now),
    room: lobbyStatus({ ...item, cancelled: false }, now),
  };
}
export type SessionView = ReturnType<typeof toView>;

/**
 * No framework in the browser: the page is its HTML, its styles and one small
 * script (lib/tonight-page.ts) for live places, Quick exit and the crisis
 * contacts, so a first visit on mobile data stays small. Everything on it also
 * works without script.
 */
export const csr = false;

export const load: PageServerLoad = async ({ locals }) => {
  const now = clockNow();
  // Before the read: a change during it makes the page's live stream answer "missed" at once.
  const since = dropInChanges();
  const timeZone = env().ORG_TIMEZONE;
  // The same for everyone (from memory, see tonight.ts); only "count me in" is read per person.
  const items = await tonightShared(now, UPCOMING_DAYS);
  const identityKey = identityRoomFor(locals.actor);
  const mine = identityKey
    ? await countedIn(
        identityKey,
        items.map((i) => i.occurrenceId),
      )
    : new Set<string>();
  const groups = groupForTonight(items, now, timeZone);
  const view = (list: TonightShared[]) => list.map((i) => toView(i, mine.has(i.occurrenceId), now, timeZone));
  return {
    groups: { live: view(groups.live), soon: view(groups.soon), later: view(groups.later), week: view(groups.week) },
    /** "Count me in" needs a nickname or an account: a visitor is offered one first. */
    canCount: can(locals.actor, "dropin.markIntent"),
    since,
  };
};

export const actions: Actions = {
  intent: async ({ request, locals }) => {
    const form = Object.fromEntries(await request.formData());
    const occurrenceId = typeof form.occurrenceId === "string" ? form.occurrenceId.slice(0, 64) : "";
    const parsed = attendanceIntentInput.safeParse(form);
    if (!parsed.success) {
      return fail(400, { occurrenceId, error: parsed.error.issues[0]?.message ?? "Invalid request" });
    }
    // Limited per identity; without one (a visitor) the use case refuses before anything is counted.
    const identityKey = identityRoomFor(locals.actor);
    if (identityKey && !(await allowIntentChange(identityKey)))
      return fail(429, { occurrenceId, error: "That was a lot of changes. Please wait a few minutes and try again." });
    const result = await setAttendanceIntent(getDb(), locals.actor, { ...parsed.data, now: clockNow() });
    // "forbidden": a nickname (or an account) first, so a cookie-less script cannot count itself in.
    if (!result.ok)
      return failWith(result, result.code === "forbidden" ? { occurrenceId, needsNickname: true } : { occurrenceId });
    await dispatchEffects(result.effects, request);
    return { occurrenceId, planning: result.planning, planningFromHere: result.planningFromHere };
  },
};
