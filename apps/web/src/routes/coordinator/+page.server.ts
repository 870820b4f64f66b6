import { fail } from "@sveltejs/kit";
import { applicationDecisionInput, fieldErrors } from "@offshift/core";
import { decideApplication, listVolunteers, seriesAttendanceSince } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "application.review");
  const db = getDb();
  const people = await listVolunteers(db);
  // Attendance as aggregates only: never who, only how many.
  const since = new Date(Date.now() - 7 * 86_400_000);
  const attendance = await seriesAttendanceSince(db, since);
  return {
    people: people.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })),
    attendance,
  };
};

export const actions: Actions = {
  decide: async ({ request, locals }) => {
    requireCan(locals, "application.review");
    const form = Object.fromEntries(await request.formData());
    const parsed = applicationDecisionInput.safeParse(form);
    if (!parsed.success) return fail(400, { error: Object.values(fieldErrors(parsed.error))[0] });
    const result = await decideApplication(getDb(), locals.actor, {
      ...parsed.data,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
      origin: env().ORIGIN,
    });
    if (!result.ok) return failWith(result, { personId: parsed.data.personId });
    await dispatchEffects(result.effects, request);
    return { decided: parsed.data.decision, personId: result.person.id };
  },
};
