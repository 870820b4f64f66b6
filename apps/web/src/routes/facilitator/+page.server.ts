import { fail } from "@sveltejs/kit";
import { z } from "zod";
import {
  firstName,
  instantFromWallTime,
  moveOccurrenceInput,
  nightLabel,
  parseFloating,
  reassignOccurrenceInput,
  wallTimeAt,
} from "@offshift/core";
import {
  cancelOccurrence,
  listApprovedFacilitators,
  listSeriesFacilitatedBy,
  moveOccurrence,
  reassignOccurrence,
  type CancelOccurrenceResult,
  type ChangeOccurrenceResult,
} from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { requireCan } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

const pad = (n: number) => String(n).padStart(2, "0");
/** An instant as a datetime-local value in the organisation's zone. */
const localInput = (d: Date, tz: string) => {
  const w = wallTimeAt(d, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const me = requireCan(locals, "series.manage");
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const db = getDb();
  const [series, facilitators] = await Promise.all([
    listSeriesFacilitatedBy(db, { personId: me.id, now, days: 14 }),
    listApprovedFacilitators(db),
  ]);
  return {
    updated: url.searchParams.has("updated"),
    facilitators,
    series: series.map((s) => ({
      id: s.id,
      title: s.title,
      theme: s.theme,
      role: s.facilitatorId === me.id ? "facilitator" : s.backupFacilitatorId === me.id ? "backup" : "stand-in",
      occurrences: s.occurrences.map((o) => ({
        id: o.id,
        title: o.title,
        startsAt: o.startsAt.toISOString(),
        startsAtLocal: localInput(o.startsAt, tz),
        when: nightLabel(o.startsAt, now, tz),
        moved: o.startsAt.getTime() !== o.originalStart.getTime(),
        facilitatorId: o.facilitatorId,
        facilitator: o.facilitator ? firstName(o.facilitator.displayName) : null,
        reassigned: o.facilitatorId !== null && o.facilitatorId !== s.facilitatorId,
        cancelled: o.status === "CANCELLED",
      })),
    })),
  };
};

type Done = "cancelled" | "moved" | "reassigned";

/**
 * What every one-session action shares once its input is parsed: the use
 * case's refusal through the mapper, its effects through the dispatcher, and
 * the answer the page shows beside that session.
 */
async function answer(
  request: Request,
  occurrenceId: string,
  done: Done,
  result: Promise<ChangeOccurrenceResult | CancelOccurrenceResult>,
) {
  const r = await result;
  if (!r.ok) return failWith(r, { occurrenceId });
  await dispatchEffects(r.effects, request);
  return { occurrenceId: r.occurrenceId, done };
}

/**
 * The posted form parsed with `schema`, and its occurrenceId (trimmed) so a
 * refusal shows beside the right session even when the form did not parse.
 */
async function sessionForm<S extends z.ZodType>(request: Request, schema: S, fallback: string) {
  const form = Object.fromEntries(await request.formData());
  const occurrenceId = typeof form.occurrenceId === "string" ? form.occurrenceId.slice(0, 64) : "";
  const parsed = schema.safeParse(form);
  if (!parsed.success)
    return { occurrenceId, failed: fail(400, { occurrenceId, error: parsed.error.issues[0]?.message ?? fallback }) };
  return { occurrenceId, data: parsed.data as z.infer<S> };
}

export const actions: Actions = {
  cancel: async ({ request, locals }) => {
    requireCan(locals, "series.manage");
    const parsed = z.object({ occurrenceId: z.uuid() }).safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { occurrenceId: "", error: "That session could not be found." });
    const { occurrenceId } = parsed.data;
    return answer(
      request,
      occurrenceId,
      "cancelled",
      cancelOccurrence(getDb(), locals.actor, { occurrenceId, now: clockNow() }),
    );
  },

  move: async ({ request, locals }) => {
    requireCan(locals, "series.manage");
    const { occurrenceId, failed, data } = await sessionForm(
      request,
      moveOccurrenceInput,
      "Choose a new date and time",
    );
    if (!data) return failed;
    const wall = parseFloating(data.startsAt);
    if (!wall) return fail(400, { occurrenceId, error: "That date does not exist" });
    const startsAt = instantFromWallTime(wall, env().ORG_TIMEZONE);
    const change = { occurrenceId: data.occurrenceId, startsAt, now: clockNow() };
    return answer(request, occurrenceId, "moved", moveOccurrence(getDb(), locals.actor, change));
  },

  reassign: async ({ request, locals }) => {
    requireCan(locals, "series.manage");
    const { occurrenceId, failed, data } = await sessionForm(request, reassignOccurrenceInput, "Choose a facilitator");
    if (!data) return failed;
    const change = { ...data, now: clockNow() };
    return answer(request, occurrenceId, "reassigned", reassignOccurrence(getDb(), locals.actor, change));
  },
};
