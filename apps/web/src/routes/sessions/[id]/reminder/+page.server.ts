import { error, redirect } from "@sveltejs/kit";
import { isId, reminderInput } from "@offshift/core";
import { cancelDropInReminder, requestDropInReminder } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { dispatchEffects } from "$lib/server/effects.js";
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
  const parsed = reminderInput.safeParse({
    occurrenceId: params.id,
    scope: (await request.formData()).get("scope"),
  });
  if (!parsed.success) return back(params.id, "invalid");
  const result =
    kind === "set"
      ? await requestDropInReminder(getDb(), locals.actor, { ...parsed.data, now: clockNow() })
      : await cancelDropInReminder(getDb(), locals.actor, parsed.data);
  // The refusal's code travels in the address; the session page shows the use case's words for it.
  if (!result.ok) return back(params.id, result.code);
  await dispatchEffects(result.effects, request);
  return back(params.id, `${kind === "set" ? "set" : "cleared"}-${parsed.data.scope}`);
}

export const actions: Actions = {
  set: (event) => change("set", event),
  clear: (event) => change("clear", event),
};
