import { fail, redirect } from "@sveltejs/kit";
import { DEFAULT_REST_AFTER_SHIFT_MINUTES, WEEKDAYS } from "@offshift/core";
import { loadVolunteerRotaSettings, savePreferences } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import { parsePreferencesForm, preferencesFormValues, preferencesValues } from "$lib/server/rota-forms.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireCan(locals, "rota.signUp");
  const settings = await loadVolunteerRotaSettings(getDb(), me.id);
  return {
    values: preferencesValues(settings.preferences),
    defaults: settings.defaults,
    restAfterShiftDefaultHours: DEFAULT_REST_AFTER_SHIFT_MINUTES / 60,
    weekdays: [...WEEKDAYS] as string[],
    timeZone: env().ORG_TIMEZONE,
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const me = requireCan(locals, "rota.signUp");
    const values = preferencesFormValues(await request.formData());
    const parsed = parsePreferencesForm(values);
    if (!parsed.ok) return fail(400, { errors: parsed.errors, values });
    await savePreferences(getDb(), { personId: me.id, preferences: parsed.preferences });
    redirect(303, "/rota?preferences=saved");
  },
};
