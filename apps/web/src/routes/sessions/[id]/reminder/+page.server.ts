import { error, redirect } from "@sveltejs/kit";
import { isId, reminderInput } from "@offshift/core";
import { cancelReminder, requestReminder } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { requireCan } from "$lib/server/guard.js";
import type { ReminderOutcome } from "$lib/server/reminders.js";
import type { Actions, PageServerLoad, RequestEvent } from "./$types";

/** Nothing to show here: the control lives on the session page. */
export const load: PageServerLoad = ({ params }) => {
  if (!isId(params.id)) error(404, "We could not find that session.");
  redirect(303, `/sessions/${params.id}`);
};

/** Back to the session page, which explains the outcome (with or without JavaScript). */
const back = (id: string, outcome: ReminderOutcome): never =>
  redirect(303, `/sessions/${id}?reminder=${outcome}#reminder`);

async function change(kind: "set" | "clear", { params, locals, request }: RequestEvent) {
  if (!isId(params.id)) error(404, "We could not find that session.");
  // No account yet (guests, visitors): the reminders page explains how to get one.
  if (!locals.person) redirect(303, "/reminders");
  const me = requireCan(locals, "reminder.manage");
  const parsed = reminderInput.safeParse({
    occurrenceId: params.id,
    scope: (await request.formData()).get("scope"),
  });
  if (!parsed.success) return back(params.id, "invalid");
  const input = { personId: me.id, ...parsed.data };
  if (kind === "set") {
    const result = await requestReminder(getDb(), { ...input, now: clockNow() });
    return back(params.id, result.ok ? `set-${parsed.data.scope}` : result.reason);
  }
  const result = await cancelReminder(getDb(), input);
  return back(params.id, result.ok ? `cleared-${parsed.data.scope}` : result.reason);
}

export const actions: Actions = {
  set: (event) => change("set", event),
  clear: (event) => change("clear", event),
};
