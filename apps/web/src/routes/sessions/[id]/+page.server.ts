import { error, fail } from "@sveltejs/kit";
import { z } from "zod";
import { LOBBY_OPENS_MINUTES_BEFORE, can, isId, nightLabel } from "@offshift/core";
import { openRoom } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import { reminderOutcome, reminderView } from "$lib/server/reminders.js";
import { joinedName, occurrenceOr404, sessionSummary } from "$lib/server/session-page.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ params, locals, url }) => {
  if (!isId(params.id)) error(404, "We could not find that session.");
  const occ = await occurrenceOr404(params.id);
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const lobbyOpensAt = new Date(occ.startsAt.getTime() - LOBBY_OPENS_MINUTES_BEFORE * 60_000);
  return {
    session: {
      ...sessionSummary(occ, now, tz),
      description: occ.description,
      backup: occ.backupFirstName,
      planning: occ.planning,
      startsAt: occ.startsAt.toISOString(),
      lobbyOpensAt: nightLabel(lobbyOpensAt, now, tz).time,
    },
    /** Facilitators of this session see the "Open the room" control. */
    canOpen: can(locals.actor, "room.open", { facilitatorIds: occ.runnerIds }),
    joinedAs: joinedName(locals),
    /** The email-reminder control (ReminderControl). */
    reminder: await reminderView(locals, occ.occurrenceId),
    /** What the reminder route said, after its redirect back here (`?reminder=…`). */
    reminderOutcome: reminderOutcome(url.searchParams.get("reminder")),
  };
};

export const actions: Actions = {
  open: async ({ params, locals, request }) => {
    requireCan(locals, "series.manage");
    const id = z.uuid().safeParse(params.id);
    if (!id.success) return fail(404, { error: "We could not find that session." });
    const result = await openRoom(getDb(), locals.actor, { occurrenceId: id.data, now: clockNow() });
    if (!result.ok) return failWith(result);
    await dispatchEffects(result.effects, request);
    return { opened: true };
  },
};
