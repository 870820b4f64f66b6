import { can } from "@offshift/core";
import { DROPIN_REMINDER_REFUSALS, dropInReminderStatus, type DropInReminderRefusalCode } from "@offshift/db";
import { getDb } from "./db.js";

/** What the reminder control on a session page shows for the person asking. */
export type ReminderView =
  { account: false } | { account: true; hasEmail: boolean; occurrence: boolean; series: boolean };

export async function reminderView(locals: App.Locals, occurrenceId: string): Promise<ReminderView> {
  if (!locals.person || !can(locals.actor, "reminder.manage")) return { account: false };
  const status = await dropInReminderStatus(getDb(), locals.person.id, occurrenceId);
  return { account: true, hasEmail: !!locals.person.email, ...status };
}

/** What the control says after a reminder was set or stopped. */
const DONE = {
  "set-occurrence": "Done. We'll email you 30 minutes before this session.",
  "set-series": "Done. We'll email you 30 minutes before every session in this series.",
  "cleared-occurrence": "Reminder stopped for this session.",
  "cleared-series": "Reminders stopped for this series.",
} as const;

/** The form could not be read (the reminder route's own refusal, before any use case). */
const INVALID = "Something went wrong with that request. Please try again.";

/**
 * Outcomes the reminder route redirects back with (`?reminder=…`): a success,
 * a use case's refusal code, or "invalid". A code in the address, never words:
 * the words come from here (successes) and from the use case (refusals).
 */
export type ReminderOutcome = keyof typeof DONE | DropInReminderRefusalCode | "invalid";

/** The control's message for `?reminder=…`, or null when there is none (or it is not one of ours). */
export function reminderOutcome(code: string | null): { text: string; ok: boolean } | null {
  if (code === null) return null;
  if (Object.hasOwn(DONE, code)) return { text: DONE[code as keyof typeof DONE], ok: true };
  if (Object.hasOwn(DROPIN_REMINDER_REFUSALS, code))
    return { text: DROPIN_REMINDER_REFUSALS[code as DropInReminderRefusalCode], ok: false };
  if (code === "invalid") return { text: INVALID, ok: false };
  return null;
}
