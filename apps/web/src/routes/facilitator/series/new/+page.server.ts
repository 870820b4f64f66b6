import { fail, redirect } from "@sveltejs/kit";
import { seriesInput, wallTimeAt } from "@offshift/core";
import { createSeries } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan } from "$lib/server/guard.js";
import {
  newSeriesValues,
  seriesFieldErrors,
  seriesFormOptions,
  seriesFormToInput,
  seriesFormValues,
} from "$lib/server/series-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireCan(locals, "series.manage");
  const today = wallTimeAt(clockNow(), env().ORG_TIMEZONE);
  const startsOn = `${today.year}-${String(today.month).padStart(2, "0")}-${String(today.day).padStart(2, "0")}`;
  return { options: await seriesFormOptions(me.id), values: newSeriesValues(startsOn) };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage");
    const data = await request.formData();
    const values = seriesFormValues(data);
    const parsed = seriesInput.safeParse(seriesFormToInput(data, me.id));
    if (!parsed.success) return fail(400, { errors: seriesFieldErrors(parsed.error.issues), values });
    const result = await createSeries(getDb(), { ...parsed.data, timeZone: env().ORG_TIMEZONE, now: clockNow() });
    if (!result.ok) return fail(409, { errors: { [result.field]: result.message }, values });
    await dispatchEffects(result.effects, request);
    redirect(303, "/facilitator");
  },
};
