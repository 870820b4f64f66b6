import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { nightLabel } from "@offshift/core";
import { listSafeguardingFlags, reviewSafeguardingFlag } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "safeguarding.review");
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const rows = await listSafeguardingFlags(getDb());
  return {
    flags: rows.map((r) => ({
      id: r.id,
      category: r.category,
      raised: nightLabel(r.createdAt, now, tz),
      raisedAt: r.createdAt.toISOString(),
      reviewed: r.reviewedAt !== null,
      session: r.session,
      sessionWhen: r.sessionStartsAt ? nightLabel(r.sessionStartsAt, now, tz) : null,
      raisedBy: r.raisedBy,
      aboutSomeone: r.aboutSomeone,
      fromCall: r.fromCall,
    })),
  };
};

export const actions: Actions = {
  review: async ({ request, locals }) => {
    requireSignedIn(locals);
    const parsed = z.object({ flagId: z.uuid() }).safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { error: "That concern could not be found." });
    const result = await reviewSafeguardingFlag(getDb(), locals.actor, { flagId: parsed.data.flagId, now: clockNow() });
    if (!result.ok) return failWith(result);
    await dispatchEffects(result.effects, request);
    return { reviewed: parsed.data.flagId };
  },
};
