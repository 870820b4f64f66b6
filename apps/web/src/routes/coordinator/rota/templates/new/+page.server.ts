import { redirect } from "@sveltejs/kit";
import { localDate } from "@offshift/core";
import { createRotaTemplate } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import {
  newRotaTemplateValues,
  readRotaTemplateForm,
  rotaTemplateFormOptions,
  rotaTemplateRefused,
} from "$lib/server/rota-template-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "rota.manage");
  return {
    options: await rotaTemplateFormOptions(),
    values: newRotaTemplateValues(localDate(now(), env().ORG_TIMEZONE)),
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    requireSignedIn(locals);
    const { values, template, invalid } = await readRotaTemplateForm(request);
    if (invalid) return invalid;
    const result = await createRotaTemplate(getDb(), locals.actor, {
      template,
      timeZone: env().ORG_TIMEZONE,
      now: now(),
    });
    if (!result.ok) return rotaTemplateRefused(result, values);
    await dispatchEffects(result.effects, request);
    redirect(303, `/coordinator/rota/templates?created=${result.slots}`);
  },
};
