import { can, nightLabel, refuse, type Actor, type Effect, type Refusal, type ReminderScope } from "@offshift/core";
import { client, type Client, type Db } from "../client.js";
import { enqueueReminderMail } from "../mail/outbox.js";

/**
 * Email reminders before drop-in sessions: a person asks for one before a
 * single session ("occurrence") or before every session of its series
 * ("series"). A job (realtime) turns due requests into outbox mail, once per
 * person and session whatever mix of requests they hold.
 */

export interface DropInReminderStatus {
  /** A reminder before this session. */
  occurrence: boolean;
  /** Reminders before every session of this series. */
  series: boolean;
}

/** Why a reminder was not set or stopped, in the words the session page shows (`?reminder=<code>`). */
export const DROPIN_REMINDER_REFUSALS = {
  forbidden: "Email reminders need an account. Sign in, or get one on the reminders page.",
  not_found: "We could not find that session.",
  cancelled: "This session has been cancelled, so there is nothing to remind you about.",
  ended: "This session has finished, so there is nothing to remind you about.",
  no_email: "Your account has no email address, so we can't send reminders.",
} as const;
export type DropInReminderRefusalCode = keyof typeof DROPIN_REMINDER_REFUSALS;

export type DropInReminderResult =
  | { ok: true; status: DropInReminderStatus; effects: Effect[] }
  | Refusal<"forbidden" | "not_found" | "cancelled" | "ended" | "no_email">;
export type CancelDropInReminderResult =
  { ok: true; status: DropInReminderStatus; effects: Effect[] } | Refusal<"forbidden" | "not_found">;

const refuseReminder = <C extends DropInReminderRefusalCode>(code: C): Refusal<C> =>
  refuse(code, DROPIN_REMINDER_REFUSALS[code]);

/** The account asking, if it may manage reminders (`reminder.manage`); else the refusal. */
const accountOf = (actor: Actor): { personId: string } | Refusal<"forbidden"> =>
  actor.kind === "person" && can(actor, "reminder.manage") ? { personId: actor.personId } : refuseReminder("forbidden");

export interface ReminderRequestInput {
  occurrenceId: string;
  scope: ReminderScope;
  /** For "has this session ended?" (web passes its clock). */
  now: Date;
}

/** Minutes before the start when the reminder is sent. */
export const DEFAULT_REMINDER_LEAD_MINUTES = 30;

/** Whether `personId` has asked for a reminder before this session, and before every session of its series. */
export async function dropInReminderStatus(
  handle: Db,
  personId: string,
  occurrenceId: string,
): Promise<DropInReminderStatus> {
  const db = client(handle);
  const occ = await db.dropInOccurrence.findUnique({ where: { id: occurrenceId }, select: { seriesId: true } });
  if (!occ) return { occurrence: false, series: false };
  return statusFor(db, personId, occurrenceId, occ.seriesId);
}

async function statusFor(
  db: Client,
  personId: string,
  occurrenceId: string,
  seriesId: string,
): Promise<DropInReminderStatus> {
  const rows = await db.reminderRequest.findMany({
    where: { personId, OR: [{ occurrenceId }, { occurrenceId: null, seriesId }] },
    select: { occurrenceId: true },
  });
  return {
    occurrence: rows.some((r) => r.occurrenceId === occurrenceId),
    series: rows.some((r) => r.occurrenceId === null),
  };
}

/**
 * The actor asks for a reminder. Refused, with nothing saved, for anyone
 * without an active account, for an unknown, cancelled or finished session,
 * and for a person without an email (erased, or none given). Asking twice, or
 * twice at once, keeps one request. Nothing follows but the saved request
 * (the reminder itself is mailed by a job when it falls due).
 */
export async function requestDropInReminder(
  handle: Db,
  actor: Actor,
  input: ReminderRequestInput,
): Promise<DropInReminderResult> {
  const db = client(handle);
  const who = accountOf(actor);
  if ("ok" in who) return who;
  const [occ, person] = await Promise.all([
    db.dropInOccurrence.findUnique({
      where: { id: input.occurrenceId },
      select: { id: true, seriesId: true, status: true, endsAt: true },
    }),
    db.person.findUnique({ where: { id: who.personId }, select: { email: true, erasedAt: true } }),
  ]);
  if (!occ) return refuseReminder("not_found");
  if (occ.status === "CANCELLED") return refuseReminder("cancelled");
  if (occ.endsAt <= input.now) return refuseReminder("ended");
  if (!person?.email || person.erasedAt) return refuseReminder("no_email");

  // ON CONFLICT DO NOTHING against the partial unique indexes (one series-wide
  // request per person and series, one per person and session).
  await db.reminderRequest.createMany({
    data: [
      {
        personId: who.personId,
        seriesId: occ.seriesId,
        occurrenceId: input.scope === "occurrence" ? occ.id : null,
        leadMinutes: DEFAULT_REMINDER_LEAD_MINUTES,
      },
    ],
    skipDuplicates: true,
  });
  return { ok: true, status: await statusFor(db, who.personId, occ.id, occ.seriesId), effects: [] };
}

/** The actor takes a request back (allowed whatever the session's state). Mail already queued for a session is not recalled. */
export async function cancelDropInReminder(
  handle: Db,
  actor: Actor,
  input: Omit<ReminderRequestInput, "now">,
): Promise<CancelDropInReminderResult> {
  const db = client(handle);
  const who = accountOf(actor);
  if ("ok" in who) return who;
  const occ = await db.dropInOccurrence.findUnique({
    where: { id: input.occurrenceId },
    select: { id: true, seriesId: true },
  });
  if (!occ) return refuseReminder("not_found");
  await db.reminderRequest.deleteMany({
    where:
      input.scope === "occurrence"
        ? { personId: who.personId, occurrenceId: occ.id }
        : { personId: who.personId, seriesId: occ.seriesId, occurrenceId: null },
  });
  return { ok: true, status: await statusFor(db, who.personId, occ.id, occ.seriesId), effects: [] };
}

interface DueReminder {
  personId: string;
  email: string;
  occurrenceId: string;
  title: string;
  theme: string;
  startsAt: Date;
  seriesWide: boolean;
}

const trimOrigin = (origin: string) => origin.replace(/\/+$/, "");

/** The reminder mail: what, when, where to join, and how to stop. No names. */
export function reminderMail(
  r: Pick<DueReminder, "occurrenceId" | "title" | "theme" | "startsAt" | "seriesWide">,
  now: Date,
  options: { timeZone: string; origin: string },
): { subject: string; text: string } {
  const when = nightLabel(r.startsAt, now, options.timeZone);
  const link = `${trimOrigin(options.origin)}/sessions/${r.occurrenceId}`;
  const asked = r.seriesWide
    ? "You asked for an email before every session of this series."
    : "You asked for an email before this session.";
  return {
    subject: `Reminder: ${r.title}, ${when.day} at ${when.time}`.slice(0, 200),
    text: [
      // "Tonight" / "Tomorrow night" read as words mid-sentence; weekdays keep their capital.
      `"${r.title}" starts ${when.day.startsWith("To") ? when.day.toLowerCase() : when.day} at ${when.time}.`,
      ...(r.theme && r.theme !== r.title ? [`Theme: ${r.theme}`] : []),
      "",
      `Join here (the lobby opens ten minutes before): ${link}`,
      "",
      `${asked} To stop these reminders, open the link above and choose "Stop", or sign in at ${trimOrigin(options.origin)}/account.`,
      "",
      "If you need someone right now: Samaritans 116 123 (free, any time), or text SHOUT to 85258.",
      "",
      "Offshift",
    ].join("\n"),
  };
}

/**
 * Queues reminder mail for every request whose session (or, series-wide,
 * each session of the series) is scheduled and starts within its lead time:
 * startsAt in (now, now + leadMinutes]. The person must have an email and not
 * be erased. One mail per person and session (dedupeKey
 * `reminder:<personId>:<occurrenceId>`), however many requests cover it and
 * however many processes run this at once; it expires when the session
 * starts. Returns how many mails were newly queued.
 */
export async function enqueueDueDropInReminders(
  handle: Db,
  now: Date,
  options: { timeZone: string; origin: string },
): Promise<number> {
  const db = client(handle);
  const at = now.toISOString();
  const due = await db.$queryRaw<DueReminder[]>`
    SELECT p."id" AS "personId", p."email", o."id" AS "occurrenceId", o."title", o."theme", o."startsAt",
           bool_or(r."occurrenceId" IS NULL) AS "seriesWide"
    FROM "ReminderRequest" r
    JOIN "Person" p ON p."id" = r."personId"
    JOIN "DropInOccurrence" o
      ON o."id" = r."occurrenceId" OR (r."occurrenceId" IS NULL AND o."seriesId" = r."seriesId")
    WHERE o."status" = 'SCHEDULED'
      AND o."startsAt" > ${at}::timestamptz
      AND o."startsAt" <= ${at}::timestamptz + make_interval(mins => r."leadMinutes")
      AND p."email" IS NOT NULL
      AND p."erasedAt" IS NULL
    GROUP BY p."id", p."email", o."id", o."title", o."theme", o."startsAt"`;

  let queued = 0;
  for (const r of due) {
    const mail = reminderMail(r, now, options);
    const isNew = await enqueueReminderMail(db, {
      dedupeKey: `reminder:${r.personId}:${r.occurrenceId}`,
      to: r.email,
      mail,
      now,
      startsAt: r.startsAt,
    });
    if (isNew) queued++;
  }
  return queued;
}
