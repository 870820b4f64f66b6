import { error } from "@sveltejs/kit";
import { localDate } from "@offshift/core";
import { findRotaTemplate, updateRotaTemplate } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import {
  readRotaTemplateForm,
  rotaTemplateFormOptions,
  rotaTemplateRefused,
  rotaTemplateValues,
} from "$lib/server/rota-template-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, params }) => {
  requireCan(locals, "rota.manage");
  const template = await findRotaTemplate(getDb(), params.id, now());
  if (!template) error(404, "That rota template could not be found.");
  return {
    template: { id: template.id, name: template.name, active: template.active, when: template.when },
    options: await rotaTemplateFormOptions(),
    values: rotaTemplateValues(template, localDate(now(), env().ORG_TIMEZONE)),
  };
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const actions: Actions = {
  default: async ({ request, locals, params }) => {
    requireSignedIn(locals);
    const { values, template, invalid } = await readRotaTemplateForm(request);
    if (invalid) return invalid;
    const result = await updateRotaTemplate(getDb(), locals.actor, {
      templateId: params.id,
      template,
      timeZone: env().ORG_TIMEZONE,
      now: now(),
    });
    if (!result.ok) return rotaTemplateRefused(result, values);
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
