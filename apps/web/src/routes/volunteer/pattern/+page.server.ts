import { fail, redirect } from "@sveltejs/kit";
import { SHIFT_PRESETS, WEEKDAYS, wallTimeAt } from "@offshift/core";
import { loadVolunteerRotaSettings, saveWorkPattern } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import { parsePatternForm, patternErrors, patternFormValues, patternValues } from "$lib/server/rota-forms.js";
import type { Actions, PageServerLoad } from "./$types";

const today = () => {
  const t = wallTimeAt(clockNow(), env().ORG_TIMEZONE);
  return `${t.year}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`;
};

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireCan(locals, "rota.signUp");
  const settings = await loadVolunteerRotaSettings(getDb(), me.id);
  return {
    values: patternValues(settings.shifts, settings.builder, today()),
    presets: SHIFT_PRESETS.map((s) => ({
      id: s.id,
      name: s.name,
      parts: s.parts.map((p) => ({ start: p.start, end: p.end, nextDay: p.endsNextDay })),
    })),
    weekdays: [...WEEKDAYS] as string[],
    timeZone: env().ORG_TIMEZONE,
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const me = requireCan(locals, "rota.signUp");
    const values = patternFormValues(await request.formData());
    const parsed = parsePatternForm(values);
    if (!parsed.ok) return fail(400, { errors: parsed.errors, values });
    const saved = await saveWorkPattern(getDb(), { personId: me.id, shifts: parsed.shifts, builder: parsed.builder });
    if (!saved.ok) return fail(400, { errors: patternErrors(saved.issues, parsed.cellKeys), values });
    redirect(303, "/rota?pattern=saved");
  },
};
