import { error, fail, redirect } from "@sveltejs/kit";
import { can, isId, seriesInput } from "@offshift/core";
import { findSeries, updateSeries } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishScheduleChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import {
  seriesFieldErrors,
  seriesFormOptions,
  seriesFormToInput,
  seriesFormValues,
  seriesValues,
} from "$lib/server/series-form.js";
import type { Actions, PageServerLoad } from "./$types";

async function loadSeries(id: string, personId: string, isCoordinator: boolean) {
  if (!isId(id)) error(404, "We could not find that series.");
  const series = await findSeries(getDb(), id);
  if (!series) error(404, "We could not find that series.");
  if (!isCoordinator && series.facilitatorId !== personId && series.backupFacilitatorId !== personId)
    error(403, "Only this series' facilitators or a coordinator can change it.");
  return series;
}

export const load: PageServerLoad = async ({ params, locals }) => {
  const me = requireCan(locals, "series.manage")!;
  const series = await loadSeries(params.id, me.id, can(locals.actor, "application.review"));
  const values = seriesValues(series);
  if (!values) error(409, "This series' repeat rule was not made with the builder, so it cannot be edited here.");
  return { id: series.id, title: series.title, options: await seriesFormOptions(series.facilitatorId), values };
};

export const actions: Actions = {
  default: async ({ params, request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const isCoordinator = can(locals.actor, "application.review");
    const series = await loadSeries(params.id, me.id, isCoordinator);
    const data = await request.formData();
    const values = seriesFormValues(data);
    // The lead stays the lead; the form changes the details, timing and backup.
    const parsed = seriesInput.safeParse(seriesFormToInput(data, series.facilitatorId));
    if (!parsed.success) return fail(400, { errors: seriesFieldErrors(parsed.error.issues), values });
    const result = await updateSeries(getDb(), {
      ...parsed.data,
      seriesId: series.id,
      byPersonId: me.id,
      isCoordinator,
      timeZone: env().ORG_TIMEZONE,
      now: clockNow(),
    });
    if (!result.ok) {
      if ("reason" in result) error(result.reason === "not_found" ? 404 : 403, "You can't change that series.");
      return fail(409, { errors: { [result.field]: result.message }, values });
    }
    publishScheduleChanged({ seriesId: series.id, change: "updated" });
    redirect(303, "/facilitator?updated");
  },
};
