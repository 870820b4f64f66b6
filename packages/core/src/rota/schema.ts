import { z } from "zod";
import { isId } from "../people/schema.js";
import { hiddenInLine } from "../text/hidden.js";
import { WEEKDAYS, type Weekday } from "../time/recurrence-builder.js";

/**
 * What coordinators and volunteers fill in for the rota: shift templates
 * (the shapes of a volunteer's paid work), work patterns built from them,
 * rota templates (the recurring slots to cover) and limits. All times are
 * wall-clock readings in the organisation's zone.
 */

export type { Weekday };

const timeField = z
  .string({ error: "Choose a time like 07:00" })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Choose a time like 07:00");
const dateField = z.string({ error: "Choose a date" }).regex(/^\d{4}-\d{2}-\d{2}$/, "Choose a date");
const idField = (what: string) =>
  z
    .string({ error: `Give the ${what} an id` })
    .regex(/^[A-Za-z0-9_-]{1,64}$/, `The ${what} id may use letters, digits, - and _ (up to 64)`);
const nameField = (what: string) =>
  z
    .string({ error: `Name the ${what}` })
    .trim()
    .min(1, `Name the ${what}`)
    .max(60, `Keep the ${what} name to 60 characters or fewer`)
    .refine((v) => !/[<>]/.test(v), `The ${what} name cannot contain < or >`)
    .refine((v) => !hiddenInLine(v), `The ${what} name cannot contain line breaks or hidden characters`);

export const minutesOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const MAX_SHIFT_HOURS = 16;

export const shiftPart = z.object({
  start: timeField,
  end: timeField,
  /** A night: the part ends on the next day's clock (22:00 to 07:00). */
  endsNextDay: z.boolean().default(false),
});
export type ShiftPart = z.infer<typeof shiftPart>;

/**
 * One shape of paid work: early, late, night (across midnight), split (two
 * parts with a gap) or long day. Parts are in order on one day; only the last
 * may end the next day.
 */
export const shiftTemplate = z
  .object({
    id: idField("shift"),
    name: nameField("shift"),
    parts: z.array(shiftPart).min(1, "A shift needs a start and an end").max(3, "A shift has at most 3 parts"),
  })
  .superRefine((s, ctx) => {
    let previousEnd = -1;
    s.parts.forEach((p, i) => {
      const start = minutesOfDay(p.start);
      const end = minutesOfDay(p.end) + (p.endsNextDay ? 1440 : 0);
      const label = s.parts.length > 1 ? `Part ${i + 1} of ${s.name}` : s.name;
      if (end <= start) {
        ctx.addIssue({
          code: "custom",
          path: ["parts", i, "end"],
          message: p.endsNextDay
            ? `${label} would last more than a day`
            : `${label} ends at ${p.end}, before it starts at ${p.start}; for a shift across midnight choose "ends next day"`,
        });
      } else if (end - start > MAX_SHIFT_HOURS * 60) {
        ctx.addIssue({
          code: "custom",
          path: ["parts", i, "end"],
          message: `${label} is longer than ${MAX_SHIFT_HOURS} hours`,
        });
      }
      if (p.endsNextDay && i < s.parts.length - 1)
        ctx.addIssue({
          code: "custom",
          path: ["parts", i, "endsNextDay"],
          message: "Only the last part can end the next day",
        });
      if (i > 0 && start <= previousEnd)
        ctx.addIssue({
          code: "custom",
          path: ["parts", i, "start"],
          message: `${label} starts at ${p.start}, before the part before it ends; parts must not overlap`,
        });
      previousEnd = end;
    });
  });
export type ShiftTemplate = z.infer<typeof shiftTemplate>;
export type ShiftTemplateInput = z.input<typeof shiftTemplate>;

/** Common shapes offered in the form; volunteers adjust the times to their employer's. */
export const SHIFT_PRESETS: readonly ShiftTemplate[] = [
  { id: "early", name: "early", parts: [{ start: "07:00", end: "14:00", endsNextDay: false }] },
  { id: "late", name: "late", parts: [{ start: "14:00", end: "22:00", endsNextDay: false }] },
  { id: "night", name: "night", parts: [{ start: "22:00", end: "07:00", endsNextDay: true }] },
  {
    id: "split",
    name: "split",
    parts: [
      { start: "07:00", end: "13:00", endsNextDay: false },
      { start: "15:00", end: "22:00", endsNextDay: false },
    ],
  },
  { id: "long-day", name: "long day", parts: [{ start: "07:00", end: "20:00", endsNextDay: false }] },
];

export const MAX_CYCLE_WEEKS = 4;

/**
 * The friendly builder for a volunteer's work pattern: which shift on which
 * day of which week of a rotation of 1 to 4 weeks, plus one-off changes.
 * Cross-checks that need the shift templates (unknown ids, overlaps) are in
 * workPatternIssues (pattern.ts).
 */
export const workPatternBuilder = z.object({
  /** Any date in week 1 of the rotation; weeks start on Monday. */
  cycleStartsOn: dateField,
  everyWeeks: z.coerce
    .number({ error: `Choose a rotation of 1 to ${MAX_CYCLE_WEEKS} weeks` })
    .int(`Choose a rotation of 1 to ${MAX_CYCLE_WEEKS} weeks`)
    .min(1, `Choose a rotation of 1 to ${MAX_CYCLE_WEEKS} weeks`)
    .max(MAX_CYCLE_WEEKS, `Choose a rotation of 1 to ${MAX_CYCLE_WEEKS} weeks`),
  shifts: z
    .array(
      z.object({
        week: z.coerce
          .number()
          .int()
          .min(1, "Weeks are numbered from 1")
          .max(MAX_CYCLE_WEEKS, "Weeks are numbered 1 to 4"),
        day: z.enum(WEEKDAYS, { error: "Choose a day of the week" }),
        shiftId: idField("shift"),
      }),
    )
    .max(MAX_CYCLE_WEEKS * 7 * 2, "Too many shifts for one rotation"),
  until: dateField.optional(),
  changes: z
    .array(
      z.object({
        kind: z.enum(["extra", "off"], { error: 'Choose "extra shift" or "shift off"' }),
        date: dateField,
        shiftId: idField("shift"),
      }),
    )
    .max(500, "Too many one-off changes; remove old ones")
    .default([]),
});
export type WorkPatternBuilder = z.infer<typeof workPatternBuilder>;
export type WorkPatternBuilderInput = z.input<typeof workPatternBuilder>;

/**
 * The stored form: one RFC 5545 recurrence set (DTSTART, RRULE, RDATE, EXDATE,
 * floating local times) per shift and week of the rotation, plus one for extra
 * shifts. The anchor is kept so the builder can be shown again.
 */
export const workPatternRules = z.object({
  /** Monday of week 1. */
  cycleStartsOn: dateField,
  everyWeeks: z.number().int().min(1).max(MAX_CYCLE_WEEKS),
  sets: z.array(z.object({ shiftId: idField("shift"), rruleSet: z.string().min(1).max(20_000) })),
});
export type WorkPatternRules = z.infer<typeof workPatternRules>;

const whole = (what: string, min: number, max: number, unit: string) =>
  z.coerce
    .number({ error: `Enter ${what}` })
    .int(`Enter ${what} as a whole number`)
    .min(min, `${what[0]!.toUpperCase()}${what.slice(1)} must be between ${min} and ${max}${unit}`)
    .max(max, `${what[0]!.toUpperCase()}${what.slice(1)} must be between ${min} and ${max}${unit}`);

/** The most late nights in a row anyone may allow: how far a run of late nights can reach. */
export const MAX_LATE_NIGHTS_IN_A_ROW = 7;
/** The longest rota slot. */
export const MAX_SLOT_MINUTES = 720;

/** Limits: coordinator defaults, each of which a volunteer may set for themselves. */
export const rotaLimits = z.object({
  maxSlotsPerWeek: whole("the most slots a week", 0, 21, ""),
  maxHoursPerWeek: z.coerce
    .number({ error: "Enter the most hours a week" })
    .min(0, "The most hours a week must be between 0 and 60")
    .max(60, "The most hours a week must be between 0 and 60")
    .refine((h) => Number.isInteger(h * 4), "Give hours in quarters, like 7.5"),
  maxConsecutiveLateNights: whole("the most late nights in a row", 0, MAX_LATE_NIGHTS_IN_A_ROW, ""),
  bufferAfterWorkMinutes: whole("the break after work", 15, 240, " minutes"),
  minRestBeforeWorkMinutes: whole("the rest before work", 240, 960, " minutes (4 to 16 hours)"),
});
export type RotaLimits = z.infer<typeof rotaLimits>;

export const DEFAULT_LIMITS: RotaLimits = {
  maxSlotsPerWeek: 4,
  maxHoursPerWeek: 10,
  maxConsecutiveLateNights: 3,
  bufferAfterWorkMinutes: 45,
  minRestBeforeWorkMinutes: 480,
};

export const availabilityWindow = z.object({
  days: z.array(z.enum(WEEKDAYS, { error: "Choose days of the week" })).min(1, "Choose at least one day"),
  from: timeField,
  /** At or before `from` means the window runs past midnight. */
  to: timeField,
});
export type AvailabilityWindow = z.infer<typeof availabilityWindow>;

/** Quiet hours last this long after a late or night shift unless the volunteer says otherwise. */
export const DEFAULT_REST_AFTER_SHIFT_MINUTES = 480;
export const MIN_REST_AFTER_SHIFT_MINUTES = 240;
export const MAX_REST_AFTER_SHIFT_MINUTES = 960;

export const volunteerPreferences = rotaLimits.partial().extend({
  /** When they are willing to volunteer; none means any time their work allows. */
  windows: z.array(availabilityWindow).max(28, "At most 28 windows").default([]),
  /**
   * The rest they need after a late or night shift: no rota pushes or mails
   * for this long after one ends (quiet hours, rota/quiet.ts). Unset means
   * DEFAULT_REST_AFTER_SHIFT_MINUTES.
   */
  restAfterShiftMinutes: whole(
    "the rest after a late or night shift",
    MIN_REST_AFTER_SHIFT_MINUTES,
    MAX_REST_AFTER_SHIFT_MINUTES,
    " minutes (4 to 16 hours)",
  ).optional(),
});
export type VolunteerPreferences = z.infer<typeof volunteerPreferences>;
export type VolunteerPreferencesInput = z.input<typeof volunteerPreferences>;

export const ROTA_KINDS = ["talk-line", "facilitator-cover"] as const;

/** A recurring slot the coordinator wants covered. */
export const rotaTemplate = z
  .object({
    id: idField("rota template"),
    name: nameField("rota template"),
    kind: z.enum(ROTA_KINDS, { error: "Choose talk line or facilitator cover" }).default("talk-line"),
    /** RRULE body in wall-clock time, e.g. "FREQ=DAILY". */
    rule: z.string({ error: "Choose how often it repeats" }).min(1, "Choose how often it repeats").max(500),
    /** First start, wall clock, e.g. "2026-01-05T21:30:00". */
    startsOnLocal: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, "Choose a first date and time"),
    /** Elapsed length; a 21:30 slot of 180 minutes ends at 00:30. */
    durationMinutes: whole("the length", 15, MAX_SLOT_MINUTES, " minutes"),
    minVolunteers: whole("the fewest volunteers", 0, 20, ""),
    maxVolunteers: whole("the most volunteers", 1, 20, ""),
    /** For facilitator cover: the drop-in series it backs. */
    seriesId: z.string().max(64).optional(),
  })
  .refine((t) => t.minVolunteers <= t.maxVolunteers, {
    path: ["maxVolunteers"],
    message: "The most volunteers cannot be fewer than the fewest",
  });
export type RotaTemplate = z.infer<typeof rotaTemplate>;
export type RotaTemplateInput = z.input<typeof rotaTemplate>;

export const rotaVolunteer = z.object({
  id: idField("volunteer"),
  shifts: z.array(shiftTemplate).max(20, "At most 20 shift templates"),
  pattern: workPatternRules,
  preferences: volunteerPreferences.default({ windows: [] }),
  /** Drop-ins this person runs: busy time, as much as a slot they are on. */
  facilitating: z
    .array(z.object({ title: z.string().max(200), start: z.coerce.date(), end: z.coerce.date() }))
    .max(1_000)
    .default([]),
});
export type RotaVolunteer = z.infer<typeof rotaVolunteer>;
export type RotaVolunteerInput = z.input<typeof rotaVolunteer>;

export const rotaAssignment = z.object({
  volunteerId: idField("volunteer"),
  templateId: idField("rota template"),
  /** The slot's start instant. */
  start: z.coerce.date({ error: "Give the slot's start" }),
});
export type RotaAssignment = z.infer<typeof rotaAssignment>;

/** Everything the engine needs, validated; cross-references are checked in prepareRota. */
export const rotaInput = z
  .object({
    timeZone: z.string().min(1).default("Europe/London"),
    from: z.coerce.date(),
    to: z.coerce.date(),
    templates: z.array(rotaTemplate).max(200),
    volunteers: z.array(rotaVolunteer).max(5_000),
    defaults: rotaLimits.partial().default({}),
    assignments: z.array(rotaAssignment).default([]),
  })
  .refine((r) => r.to > r.from, { path: ["to"], message: "The end of the window must be after its start" })
  .refine((r) => r.to.getTime() - r.from.getTime() <= 370 * 86_400_000, {
    path: ["to"],
    message: "Plan at most a year at a time",
  });
export type RotaInput = z.infer<typeof rotaInput>;
export type RotaInputRaw = z.input<typeof rotaInput>;

const slotIdField = z.string({ error: "Choose a slot" }).refine((v) => isId(v), "That slot could not be found");
const offerIdField = z
  .string({ error: "Choose a cover request" })
  .refine((v) => isId(v), "That cover request could not be found");

/** Sign up, drop and ask for cover all name one slot. */
export const rotaSlotAction = z.object({ slotId: slotIdField });
/**
 * Sign up names one slot; `understood=yes` is the volunteer's answer to the
 * warning that a slot inside the drop notice cannot then be dropped.
 */
export const rotaSignUpAction = z.object({
  slotId: slotIdField,
  understood: z.literal("yes", { error: "To sign up, confirm you understand you can't drop this slot" }).optional(),
});
/** Take or withdraw a cover request. */
export const rotaOfferAction = z.object({ offerId: offerIdField });
