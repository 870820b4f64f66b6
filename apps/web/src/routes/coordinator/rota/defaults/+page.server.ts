import { fail } from "@sveltejs/kit";
import { DEFAULT_LIMITS, fieldErrors, rotaLimits } from "@offshift/core";
import { loadRotaDefaults, saveRotaDefaults } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

const FIELDS = [
  "maxSlotsPerWeek",
  "maxHoursPerWeek",
  "maxConsecutiveLateNights",
  "bufferAfterWorkMinutes",
  "minRestBeforeWorkMinutes",
] as const;

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "rota.manage");
  const limits = { ...DEFAULT_LIMITS, ...(await loadRotaDefaults(getDb())) };
  return { values: Object.fromEntries(FIELDS.map((k) => [k, String(limits[k])])) as Record<string, string> };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    requireSignedIn(locals);
    const data = await request.formData();
    const values = Object.fromEntries(FIELDS.map((k) => [k, String(data.get(k) ?? "").slice(0, 10)]));
    const parsed = rotaLimits.safeParse(values);
    if (!parsed.success) return fail(400, { errors: fieldErrors(parsed.error), values });
    const result = await saveRotaDefaults(getDb(), locals.actor, parsed.data);
    if (!result.ok) return failWith(result, { values, errors: {} as Record<string, string> });
    await dispatchEffects(result.effects, request);
    return { saved: true, values, errors: {} as Record<string, string> };
  },
};
