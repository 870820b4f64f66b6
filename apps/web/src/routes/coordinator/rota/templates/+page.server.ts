import { fail } from "@sveltejs/kit";
import { isId } from "@offshift/core";
import { listRotaTemplates, retireRotaTemplate } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  requireCan(locals, "rota.manage");
  const created = url.searchParams.get("created");
  return {
    templates: await listRotaTemplates(getDb(), now()),
    created: created && /^\d{1,4}$/.test(created) ? Number(created) : null,
  };
};

export const actions: Actions = {
  retire: async ({ request, locals }) => {
    requireSignedIn(locals);
    const templateId = String((await request.formData()).get("templateId") ?? "");
    if (!isId(templateId)) return fail(400, { error: "That rota template could not be found." });
    const result = await retireRotaTemplate(getDb(), locals.actor, { templateId, now: now() });
    if (!result.ok) return failWith(result);
    await dispatchEffects(result.effects, request);
    return {
      retired: templateId,
      message:
        `Retired. ${result.removed} empty upcoming slot${result.removed === 1 ? "" : "s"} removed` +
        (result.keptWithVolunteers
          ? `; ${result.keptWithVolunteers} slot${result.keptWithVolunteers === 1 ? "" : "s"} someone is on kept.`
          : "."),
    };
  },
};
