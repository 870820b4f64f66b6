import { error, fail, redirect } from "@sveltejs/kit";
import { isId, seriesInput } from "@offshift/core";
import { findSeries, mayManageSeries, updateSeries } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan } from "$lib/server/guard.js";
import { statusOf } from "$lib/server/refusals.js";
import {
  seriesFieldErrors,
  seriesFormOptions,
  seriesFormToInput,
  seriesFormValues,
  seriesValues,
} from "$lib/server/series-form.js";
import type { Actions, PageServerLoad } from "./$types";

/** The series to show in the form, if this actor may change it (updateSeries asks again when it is saved). */
async function loadSeries(id: string, actor: App.Locals["actor"]) {
  if (!isId(id)) error(404, "We could not find that series.");
  const series = await findSeries(getDb(), id);
  if (!series) error(404, "We could not find that series.");
  if (!mayManageSeries(actor, series)) error(403, "Only this series' facilitators or a coordinator can change it.");
  return series;
}

export const load: PageServerLoad = async ({ params, locals }) => {
  requireCan(locals, "series.manage");
  const series = await loadSeries(params.id, locals.actor);
  const values = seriesValues(series);
  if (!values) error(409, "This series' repeat rule was not made with the builder, so it cannot be edited here.");
  return { id: series.id, title: series.title, options: await seriesFormOptions(series.facilitatorId), values };
};

export const actions: Actions = {
  default: async ({ params, request, locals }) => {
    requireCan(locals, "series.manage");
    const series = await loadSeries(params.id, locals.actor);
    const data = await request.formData();
    const values = seriesFormValues(data);
    // The lead stays the lead; the form changes the details, timing and backup.
    const parsed = seriesInput.safeParse(seriesFormToInput(data, series.facilitatorId));
    if (!parsed.success) return fail(400, { errors: seriesFieldErrors(parsed.error.issues), values });
    const result = await updateSeries(getDb(), locals.actor, {
      ...parsed.data,
      seriesId: series.id,
      timeZone: env().ORG_TIMEZONE,
      now: clockNow(),
    });
    if (!result.ok) {
      // A refusal about one field is shown beside it; the series gone or taken away ends the page.
      if (!("field" in result)) error(statusOf(result), result.message);
      return fail(409, { errors: { [result.field]: result.message }, values });
    }
    await dispatchEffects(result.effects, request);
    redirect(303, "/facilitator?updated");
  },
};
