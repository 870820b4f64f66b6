import { fail } from "@sveltejs/kit";
import { now as clockNow } from "$lib/server/clock.js";
import { can, nightLabel } from "@offshift/core";
import { cancelOccurrence } from "@offshift/db";
import { z } from "zod";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishScheduleChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const me = requireCan(locals, "series.manage")!;
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const series = await getDb().dropInSeries.findMany({
    where: { OR: [{ facilitatorId: me.id }, { backupFacilitatorId: me.id }] },
    orderBy: { title: "asc" },
    select: {
      id: true,
      title: true,
      theme: true,
      facilitatorId: true,
      occurrences: {
        where: { endsAt: { gt: now }, startsAt: { lt: new Date(now.getTime() + 14 * 86_400_000) } },
        orderBy: { startsAt: "asc" },
        select: { id: true, startsAt: true, status: true },
      },
    },
  });
  return {
    series: series.map((s) => ({
      id: s.id,
      title: s.title,
      theme: s.theme,
      role: s.facilitatorId === me.id ? "facilitator" : "backup",
      occurrences: s.occurrences.map((o) => ({
        id: o.id,
        startsAt: o.startsAt.toISOString(),
        when: nightLabel(o.startsAt, now, tz),
        cancelled: o.status === "CANCELLED",
      })),
    })),
  };
};

const refusal = {
  not_found: "That session could not be found.",
  forbidden: "Only the session's facilitators or a coordinator can cancel it.",
  already_cancelled: "That session was already cancelled.",
  ended: "That session has already finished.",
} as const;

export const actions: Actions = {
  cancel: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const parsed = z.object({ occurrenceId: z.uuid() }).safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { error: "That session could not be found." });
    const result = await cancelOccurrence(getDb(), {
      occurrenceId: parsed.data.occurrenceId,
      byPersonId: me.id,
      isCoordinator: can(locals.actor, "application.review"),
      now: clockNow(),
    });
    if (!result.ok)
      return fail(result.reason === "not_found" ? 404 : result.reason === "forbidden" ? 403 : 409, {
        error: refusal[result.reason],
      });
    publishScheduleChanged({ occurrenceId: result.occurrenceId, change: "cancelled" });
    return { cancelled: result.occurrenceId };
  },
};
