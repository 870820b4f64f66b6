import { error, fail } from "@sveltejs/kit";
import { localDate, rotaTemplateRequest, WEEKDAYS } from "@offshift/core";
import { findRotaTemplate, listCoverableSeries, updateRotaTemplate } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import { statusOf } from "$lib/server/refusals.js";
import {
  rotaTemplateFieldErrors,
  rotaTemplateFormInput,
  rotaTemplateFormValues,
  rotaTemplateValues,
} from "$lib/server/rota-template-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, params }) => {
  requireCan(locals, "rota.manage");
  const template = await findRotaTemplate(getDb(), params.id, now());
  if (!template) error(404, "That rota template could not be found.");
  return {
    template: { id: template.id, name: template.name, active: template.active, when: template.when },
    options: {
      weekdays: [...WEEKDAYS] as string[],
      series: await listCoverableSeries(getDb()),
      timeZone: env().ORG_TIMEZONE,
    },
    values: rotaTemplateValues(template, localDate(now(), env().ORG_TIMEZONE)),
  };
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const actions: Actions = {
  default: async ({ request, locals, params }) => {
    requireSignedIn(locals);
    const data = await request.formData();
    const values = rotaTemplateFormValues(data);
    const parsed = rotaTemplateRequest.safeParse(rotaTemplateFormInput(data));
    if (!parsed.success) return fail(400, { errors: rotaTemplateFieldErrors(parsed.error.issues), values });
    const result = await updateRotaTemplate(getDb(), locals.actor, {
      templateId: params.id,
      template: parsed.data,
      timeZone: env().ORG_TIMEZONE,
      now: now(),
    });
    // A field's refusal is shown beside the field; any other (not found, retired) above the form.
    if (!result.ok)
      return fail(statusOf(result), {
        errors: { ["field" in result ? result.field : "form"]: result.message },
        values,
      });
    await dispatchEffects(result.effects, request);
    return {
      values,
      errors: {},
      saved:
        `Saved. Upcoming slots: ${result.added} added, ${result.removed} removed.` +
        (result.keptWithVolunteers
          ? ` Kept ${plural(result.keptWithVolunteers, "slot")} outside the new times because someone is on ${result.keptWithVolunteers === 1 ? "it" : "them"}.`
          : ""),
    };
  },
};
