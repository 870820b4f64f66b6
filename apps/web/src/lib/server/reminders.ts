import { can } from "@offshift/core";
import { reminderStatus } from "@offshift/db";
import { getDb } from "./db.js";

/** What the reminder control on a session page shows for the person asking. */
export type ReminderView =
  { account: false } | { account: true; hasEmail: boolean; occurrence: boolean; series: boolean };

export async function reminderView(locals: App.Locals, occurrenceId: string): Promise<ReminderView> {
  if (!locals.person || !can(locals.actor, "reminder.manage")) return { account: false };
  const status = await reminderStatus(getDb(), locals.person.id, occurrenceId);
  return { account: true, hasEmail: !!locals.person.email, ...status };
}

/** Outcomes the control explains after the redirect back (`?reminder=…`). */
export const REMINDER_OUTCOMES = [
  "set-occurrence",
  "set-series",
  "cleared-occurrence",
  "cleared-series",
  "cancelled",
  "ended",
  "not_found",
  "no_email",
  "invalid",
] as const;
export type ReminderOutcome = (typeof REMINDER_OUTCOMES)[number];
