import { z } from "zod";

/** "Count me in" / "Not any more" on one occurrence, from the Tonight page. */
export const attendanceIntentInput = z.object({
  occurrenceId: z.uuid({ error: "That session could not be found" }),
  intent: z.enum(["join", "leave"], { error: "Choose whether you plan to come" }),
});
export type AttendanceIntentInput = z.infer<typeof attendanceIntentInput>;

/** An anonymous per-browser key; generated server-side, checked on every use. */
export const browserKey = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, "Invalid browser key");

/** "Email me before this session" / "…before every session of this series", and taking it back. */
export const reminderInput = z.object({
  occurrenceId: z.uuid({ error: "That session could not be found" }),
  scope: z.enum(["occurrence", "series"], { error: "Choose this session or every session in the series" }),
});
export type ReminderInput = z.infer<typeof reminderInput>;
export type ReminderScope = ReminderInput["scope"];

/** A session can be moved at most this far ahead (beyond it is a slip of the keyboard, like 9999-12-31). */
export const MOVE_AHEAD_LIMIT_DAYS = 366;
export const moveTooFarAhead = (startsAt: Date, now: Date): boolean =>
  startsAt.getTime() > now.getTime() + MOVE_AHEAD_LIMIT_DAYS * 86_400_000;

/** Moving one session: a new local start in the organisation's zone, from a datetime-local input. */
export const moveOccurrenceInput = z.object({
  occurrenceId: z.uuid({ error: "That session could not be found" }),
  startsAt: z
    .string({ error: "Choose a new date and time" })
    .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, "Choose a new date and time"),
});

/** Giving one session to another facilitator. */
export const reassignOccurrenceInput = z.object({
  occurrenceId: z.uuid({ error: "That session could not be found" }),
  facilitatorId: z.uuid({ error: "Choose a facilitator" }),
});
