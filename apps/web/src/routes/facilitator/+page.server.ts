import { fail } from "@sveltejs/kit";
import { z } from "zod";
import {
  can,
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
  type ChangeOccurrenceResult,
} from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishRoomCancelled, publishScheduleChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import type { Actions, PageServerLoad } from "./$types";

const pad = (n: number) => String(n).padStart(2, "0");
/** An instant as a datetime-local value in the organisation's zone. */
const localInput = (d: Date, tz: string) => {
  const w = wallTimeAt(d, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const me = requireCan(locals, "series.manage")!;
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

const refusal = {
  not_found: "That session could not be found.",
  forbidden: "Only the session's facilitators or a coordinator can change it.",
  already_cancelled: "That session was already cancelled.",
  ended: "That session has already finished.",
  cancelled: "That session has been cancelled.",
  in_the_past: "Choose a time that is still to come.",
  too_far_ahead: "Choose a date within the next year.",
  not_a_facilitator: "Choose an approved facilitator.",
  clash: "That facilitator is already running a session then.",
} as const;
const statusFor = (reason: keyof typeof refusal) =>
  reason === "not_found"
    ? 404
    : reason === "forbidden"
      ? 403
      : reason === "in_the_past" || reason === "too_far_ahead" || reason === "not_a_facilitator"
        ? 400
        : 409;

const refuse = (occurrenceId: string, reason: keyof typeof refusal) =>
  fail(statusFor(reason), { occurrenceId, error: refusal[reason] });

const done = (result: ChangeOccurrenceResult, change: "moved" | "reassigned") => {
  if (!result.ok) return null;
  publishScheduleChanged({ occurrenceId: result.occurrenceId, change });
  return { occurrenceId: result.occurrenceId, done: change };
};

export const actions: Actions = {
  cancel: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const parsed = z.object({ occurrenceId: z.uuid() }).safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { occurrenceId: "", error: refusal.not_found });
    const result = await cancelOccurrence(getDb(), {
      occurrenceId: parsed.data.occurrenceId,
      byPersonId: me.id,
      isCoordinator: can(locals.actor, "application.review"),
      now: clockNow(),
    });
    if (!result.ok) return refuse(parsed.data.occurrenceId, result.reason);
    if (result.roomEnded) publishRoomCancelled(result.occurrenceId);
    publishScheduleChanged({ occurrenceId: result.occurrenceId, change: "cancelled" });
    return { occurrenceId: result.occurrenceId, done: "cancelled" as const };
  },

  move: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const form = Object.fromEntries(await request.formData());
    const occurrenceId = typeof form.occurrenceId === "string" ? form.occurrenceId.slice(0, 64) : "";
    const parsed = moveOccurrenceInput.safeParse(form);
    if (!parsed.success)
      return fail(400, { occurrenceId, error: parsed.error.issues[0]?.message ?? "Choose a new date and time" });
    const wall = parseFloating(parsed.data.startsAt);
    if (!wall) return fail(400, { occurrenceId, error: "That date does not exist" });
    const result = await moveOccurrence(getDb(), {
      occurrenceId: parsed.data.occurrenceId,
      startsAt: instantFromWallTime(wall, env().ORG_TIMEZONE),
      byPersonId: me.id,
      isCoordinator: can(locals.actor, "application.review"),
      now: clockNow(),
    });
    return done(result, "moved") ?? refuse(occurrenceId, (result as { reason: keyof typeof refusal }).reason);
  },

  reassign: async ({ request, locals }) => {
    const me = requireCan(locals, "series.manage")!;
    const form = Object.fromEntries(await request.formData());
    const occurrenceId = typeof form.occurrenceId === "string" ? form.occurrenceId.slice(0, 64) : "";
    const parsed = reassignOccurrenceInput.safeParse(form);
    if (!parsed.success)
      return fail(400, { occurrenceId, error: parsed.error.issues[0]?.message ?? "Choose a facilitator" });
    const result = await reassignOccurrence(getDb(), {
      ...parsed.data,
      byPersonId: me.id,
      isCoordinator: can(locals.actor, "application.review"),
      now: clockNow(),
    });
    return done(result, "reassigned") ?? refuse(occurrenceId, (result as { reason: keyof typeof refusal }).reason);
  },
};
