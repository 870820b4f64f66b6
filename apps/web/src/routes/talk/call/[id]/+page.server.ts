import { error, fail } from "@sveltejs/kit";
import { CALL_OUTCOMES, SAFEGUARDING_CATEGORIES, callAfterInput, fieldErrors, identityOf, isId } from "@offshift/core";
import { callSide, loadCallForVolunteer, recordCallOutcome } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { statusOf } from "$lib/server/refusals.js";
import { env } from "$lib/server/env.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ params, locals }) => {
  if (!isId(params.id)) error(404, "We could not find that call.");
  // Only the two people in it; anyone else gets the same "not found".
  const side = await callSide(getDb(), { callId: params.id, identity: identityOf(locals.actor) });
  if (!side) error(404, "We could not find that call.");
  const after =
    side.side === "volunteer" && locals.person
      ? await loadCallForVolunteer(getDb(), { callId: params.id, personId: locals.person.id })
      : null;
  const e = env();
  return {
    callId: params.id,
    side: side.side,
    after,
    outcomes: [...CALL_OUTCOMES],
    categories: [...SAFEGUARDING_CATEGORIES],
    iceServers: e.ICE_SERVERS,
    /** Tests read audio statistics through window.offshiftCall (NODE_ENV=test only). */
    testHooks: e.NODE_ENV === "test",
  };
};

export const actions: Actions = {
  after: async ({ params, request, locals }) => {
    if (!locals.person || !isId(params.id)) error(404, "We could not find that call.");
    const form = Object.fromEntries(await request.formData());
    const parsed = callAfterInput.safeParse(form);
    if (!parsed.success) return fail(400, { errors: fieldErrors(parsed.error) as Record<string, string> });
    const result = await recordCallOutcome(getDb(), {
      actor: locals.actor,
      callId: params.id,
      after: parsed.data,
      now: clockNow(),
      origin: env().ORIGIN,
    });
    if (!result.ok) return fail(statusOf(result), { errors: { form: result.message } as Record<string, string> });
    return { saved: true, flagged: result.flagged, debrief: parsed.data.debrief };
  },
};
