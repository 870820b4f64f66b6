import { fail, redirect } from "@sveltejs/kit";
import { localDate, rotaTemplateRequest, WEEKDAYS } from "@offshift/core";
import { createRotaTemplate, listCoverableSeries } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import { statusOf } from "$lib/server/refusals.js";
import {
  newRotaTemplateValues,
  rotaTemplateFieldErrors,
  rotaTemplateFormInput,
  rotaTemplateFormValues,
} from "$lib/server/rota-template-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "rota.manage");
  return {
    options: {
      weekdays: [...WEEKDAYS] as string[],
      series: await listCoverableSeries(getDb()),
      timeZone: env().ORG_TIMEZONE,
    },
    values: newRotaTemplateValues(localDate(now(), env().ORG_TIMEZONE)),
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    requireSignedIn(locals);
    const data = await request.formData();
    const values = rotaTemplateFormValues(data);
    const parsed = rotaTemplateRequest.safeParse(rotaTemplateFormInput(data));
    if (!parsed.success) return fail(400, { errors: rotaTemplateFieldErrors(parsed.error.issues), values });
    const result = await createRotaTemplate(getDb(), locals.actor, {
      template: parsed.data,
      timeZone: env().ORG_TIMEZONE,
      now: now(),
    });
    if (!result.ok)
      return fail(statusOf(result), {
        errors: { ["field" in result ? result.field : "form"]: result.message },
        values,
      });
    await dispatchEffects(result.effects, request);
    redirect(303, `/coordinator/rota/templates?created=${result.slots}`);
  },
};
