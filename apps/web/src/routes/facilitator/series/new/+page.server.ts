import { fail, redirect } from "@sveltejs/kit";
import { now as clockNow } from "$lib/server/clock.js";
import { LANGUAGES, THEMES, WEEKDAYS, seriesInput } from "@offshift/core";
import { createSeries } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishScheduleChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import { seriesFieldErrors, seriesFormToInput } from "$lib/server/series-form.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireCan(locals, "series.manage")!;
  const others = await getDb().person.findMany({
    where: { id: { not: me.id }, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
    orderBy: { displayName: "asc" },
    select: { id: true, displayName: true },
  });
  return {
    themes: [...THEMES],
    weekdays: [...WEEKDAYS],
    languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
    backups: others,
    timeZone: env().ORG_TIMEZONE,
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const raw = seriesFormToInput(await request.formData(), me.id);
    const parsed = seriesInput.safeParse(raw);
    if (!parsed.success) return fail(400, { errors: seriesFieldErrors(parsed.error.issues), values: raw });
    const result = await createSeries(getDb(), { ...parsed.data, timeZone: env().ORG_TIMEZONE, now: clockNow() });
    if (!result.ok) return fail(409, { errors: { [result.field]: result.message }, values: raw });
    publishScheduleChanged({ seriesId: result.seriesId, change: "created" });
    redirect(303, "/facilitator");
  },
};
