import { z } from "zod";
import { ROLE_NAME_MESSAGE, hasHiddenCharacters, looksLikeRole, normaliseName } from "./names.js";

/** Tags volunteers choose from; the 1:1 matching uses the same list. */
export const EXPERIENCE_TAGS = ["nights", "lone working", "bereavement", "new to care", "overseas-recruited"] as const;
export const LANGUAGES = {
  en: "English",
  pl: "Polish",
  ro: "Romanian",
  pt: "Portuguese",
  tl: "Tagalog",
  ml: "Malayalam",
  hi: "Hindi",
  ur: "Urdu",
  pa: "Punjabi",
  yo: "Yoruba",
  tw: "Twi",
  es: "Spanish",
} as const;
export type LanguageCode = keyof typeof LANGUAGES;

const noMarkup = (label: string) => z.string().refine((v) => !/[<>]/.test(v), `${label} cannot contain < or >`);

export const emailField = z
  .string({ error: "Enter your email address" })
  .trim()
  .min(1, "Enter your email address")
  .max(254, "That email address is too long")
  .pipe(z.email({ error: "Enter an email address like name@example.org" }))
  .transform((v) => v.toLowerCase());

export const nicknameField = z
  .string({ error: "Choose a nickname" })
  .transform(normaliseName)
  .pipe(
    z
      .string()
      .min(2, "Your nickname needs at least 2 characters")
      .max(24, "Keep your nickname to 24 characters or fewer")
      // Letters of every script with their marks (vowel signs, accents), digits, and a little punctuation.
      .regex(/^[\p{L}\p{M}\p{N} .'_-]+$/u, "Use letters, numbers, spaces and . ' _ - only")
      .refine((v) => !looksLikeRole(v), ROLE_NAME_MESSAGE),
  );

const checkbox = (message: string) =>
  z.preprocess((v) => v === "on" || v === "true" || v === true, z.literal(true, { error: message }));

/** Worker joining with a nickname only: no email, phone or real name. */
export const guestJoinInput = z.object({
  nickname: nicknameField,
  agreement: checkbox("Please accept the group agreement to join"),
});
export type GuestJoinInput = z.infer<typeof guestJoinInput>;

/** Worker asking for someone to talk to: the same nickname, with the one-to-one line's own agreement. */
export const guestTalkInput = z.object({
  nickname: nicknameField,
  agreement: checkbox("Please accept the one-to-one agreement to continue"),
});

export const volunteerApplicationInput = z.object({
  name: z
    .string({ error: "Enter your name" })
    .transform(normaliseName)
    .pipe(
      z
        .string()
        .min(2, "Enter your name")
        .max(80, "Keep your name to 80 characters or fewer")
        .pipe(noMarkup("Your name"))
        .refine((v) => !hasHiddenCharacters(v), "Your name cannot contain line breaks or hidden characters")
        .refine((v) => !looksLikeRole(v), ROLE_NAME_MESSAGE),
    ),
  email: emailField,
  languages: z
    .array(
      z.enum(Object.keys(LANGUAGES) as [LanguageCode, ...LanguageCode[]], { error: "Choose languages from the list" }),
    )
    .min(1, "Choose at least one language you can support people in")
    .max(12),
  experience: z
    .array(z.enum(EXPERIENCE_TAGS, { error: "Choose experience from the list" }))
    .max(EXPERIENCE_TAGS.length),
  codeOfConduct: checkbox("Please agree to the volunteer code of conduct"),
});
export type VolunteerApplicationInput = z.infer<typeof volunteerApplicationInput>;

export const signInRequestInput = z.object({ email: emailField });

/** A worker who wants reminders: an email and a nickname, nothing else. */
export const workerAccountInput = z.object({ email: emailField, nickname: nicknameField });

export const applicationDecisionInput = z.object({
  personId: z.uuid({ error: "Unknown applicant" }),
  decision: z.enum(["approve", "reject", "suspend", "reinstate"], { error: "Unknown decision" }),
});

/** Field-level messages for a form: { field: firstMessage }. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}

/** Worker-facing pages show volunteers and staff by first name only. */
export const firstName = (displayName: string): string => displayName.trim().split(/\s+/)[0] || displayName;

/** Whether a route parameter is a well-formed id (anything else is simply "not found"). */
export const isId = (value: string): boolean => z.uuid().safeParse(value).success;
