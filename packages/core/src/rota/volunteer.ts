import { z } from "zod";
import { availabilityWindow, rotaLimits, shiftTemplate, type VolunteerPreferences } from "./schema.js";

/**
 * The volunteer's side of the rota: the notice needed to drop a slot, the
 * preferences form (blank means "the coordinator's default") and the secret
 * calendar-feed token. The inputs of sign-up, drop and cover requests are in schema.ts.
 */

/** Dropping a slot needs this much notice; inside it, a volunteer asks for cover instead. */
export const ROTA_DROP_NOTICE_HOURS = 48;

export type DropNotice = { ok: true } | { ok: false; reason: "started" | "notice"; message: string };

/** May a volunteer drop a slot starting at `startsAt`, at `now`? */
export function dropNotice(startsAt: Date, now: Date): DropNotice {
  const ms = startsAt.getTime() - now.getTime();
  if (ms <= 0) return { ok: false, reason: "started", message: "This slot has already started." };
  if (ms < ROTA_DROP_NOTICE_HOURS * 3_600_000)
    return {
      ok: false,
      reason: "notice",
      message: `This slot starts within ${ROTA_DROP_NOTICE_HOURS} hours, so it can't be dropped. Ask for cover instead and another volunteer can take it.`,
    };
  return { ok: true };
}

/** "5 hours", "1 hour 30 minutes", "45 minutes" (rounded down to the minute). */
export function durationInWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes === 0) return "less than a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const say = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (h === 0) return say(m, "minute");
  return m ? `${say(h, "hour")} ${say(m, "minute")}` : say(h, "hour");
}

export type SignUpNotice = { inside: false } | { inside: true; message: string };

/**
 * Is a slot starting at `startsAt` already inside the drop notice at `now`?
 * Then signing up is for keeps: the volunteer is told so, and confirms, first.
 * Exactly when dropNotice would refuse with "notice".
 */
export function signUpNotice(startsAt: Date, now: Date): SignUpNotice {
  const ms = startsAt.getTime() - now.getTime();
  if (ms <= 0 || ms >= ROTA_DROP_NOTICE_HOURS * 3_600_000) return { inside: false };
  return {
    inside: true,
    message: `This starts in ${durationInWords(ms)}. Once you sign up you can't drop it — you'd need to ask for cover.`,
  };
}

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/**
 * The preferences form: every limit optional (blank = coordinator's default),
 * rest before work and rest after a late or night shift in hours (stored as
 * minutes), and availability windows.
 */
export const preferencesForm = z
  .object({
    maxSlotsPerWeek: z.preprocess(blank, rotaLimits.shape.maxSlotsPerWeek.optional()),
    maxHoursPerWeek: z.preprocess(blank, rotaLimits.shape.maxHoursPerWeek.optional()),
    maxConsecutiveLateNights: z.preprocess(blank, rotaLimits.shape.maxConsecutiveLateNights.optional()),
    bufferAfterWorkMinutes: z.preprocess(blank, rotaLimits.shape.bufferAfterWorkMinutes.optional()),
    minRestBeforeWorkHours: z.preprocess(
      blank,
      z.coerce
        .number({ error: "Enter the rest before work in hours" })
        .min(4, "The rest before work must be between 4 and 16 hours")
        .max(16, "The rest before work must be between 4 and 16 hours")
        .refine((h) => Number.isInteger(h * 4), "Give hours in quarters, like 8.5")
        .optional(),
    ),
    restAfterShiftHours: z.preprocess(
      blank,
      z.coerce
        .number({ error: "Enter the rest after a late or night shift in hours" })
        .min(4, "The rest after a late or night shift must be between 4 and 16 hours")
        .max(16, "The rest after a late or night shift must be between 4 and 16 hours")
        .refine((h) => Number.isInteger(h * 4), "Give hours in quarters, like 8.5")
        .optional(),
    ),
    windows: z.array(availabilityWindow).max(28, "At most 28 windows").default([]),
  })
  .transform(({ minRestBeforeWorkHours, restAfterShiftHours, ...rest }): VolunteerPreferences => {
    const out: VolunteerPreferences = { windows: rest.windows };
    if (rest.maxSlotsPerWeek !== undefined) out.maxSlotsPerWeek = rest.maxSlotsPerWeek;
    if (rest.maxHoursPerWeek !== undefined) out.maxHoursPerWeek = rest.maxHoursPerWeek;
    if (rest.maxConsecutiveLateNights !== undefined) out.maxConsecutiveLateNights = rest.maxConsecutiveLateNights;
    if (rest.bufferAfterWorkMinutes !== undefined) out.bufferAfterWorkMinutes = rest.bufferAfterWorkMinutes;
    if (minRestBeforeWorkHours !== undefined) out.minRestBeforeWorkMinutes = Math.round(minRestBeforeWorkHours * 60);
    if (restAfterShiftHours !== undefined) out.restAfterShiftMinutes = Math.round(restAfterShiftHours * 60);
    return out;
  });
export type PreferencesFormInput = z.input<typeof preferencesForm>;

/** A volunteer's shift templates: each valid, ids unique. */
export const shiftTemplates = z
  .array(shiftTemplate)
  .max(20, "At most 20 shifts")
  .superRefine((shifts, ctx) => {
    const seen = new Set<string>();
    shifts.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: "Each shift needs its own id" });
      seen.add(s.id);
      const sameName = shifts.findIndex((o) => o.name.toLowerCase() === s.name.toLowerCase());
      if (sameName !== i)
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `You already have a shift called "${s.name}"` });
    });
  });

/** The secret in a calendar-feed URL: 32 random bytes, base64url. */
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const isFeedToken = (v: unknown): v is string => typeof v === "string" && FEED_TOKEN_PATTERN.test(v);
