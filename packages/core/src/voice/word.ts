import { z } from "zod";
import { PARAPHRASE_MAX, WORD_MAX } from "./limits.js";

/**
 * "One thing that would make your job better?": a worker's optional word at
 * the end of a session. Anonymous from the moment it is stored, so it must not
 * carry a way to reach anyone: an email address or phone number is refused
 * with a kind explanation rather than stored.
 */
export { WORD_MAX, PARAPHRASE_MAX };

const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;
// Ten or more digits, allowing spaces, dots, dashes and brackets between them (07700 900123,
// +44 (0)20 7946 0000). Shorter numbers ("2 calls", "15 minutes", "£10.42") are ordinary words.
const PHONE = /(?:\+|\b)\d(?:[\s().-]{0,2}\d){9,}/;

export type ContactDetail = "email" | "phone";

export function findContactDetail(text: string): ContactDetail | null {
  if (EMAIL.test(text)) return "email";
  if (PHONE.test(text)) return "phone";
  return null;
}

const contactMessage: Record<ContactDetail, string> = {
  email:
    "Please leave out email addresses. What you write is kept without your name so nobody can trace it to you, and an email address would undo that.",
  phone:
    "Please leave out phone numbers. What you write is kept without your name so nobody can trace it to you, and a phone number would undo that.",
};

function plainText(max: number, tooLong: string, empty: string) {
  return z
    .string({ error: empty })
    .transform((s) => s.replace(/\s+/g, " ").trim())
    .superRefine((s, ctx) => {
      if (s.length === 0) ctx.addIssue({ code: "custom", message: empty });
      else if (s.length > max) ctx.addIssue({ code: "custom", message: tooLong });
      else {
        const found = findContactDetail(s);
        if (found) ctx.addIssue({ code: "custom", message: contactMessage[found] });
      }
    });
}

export const workerWordSchema = plainText(
  WORD_MAX,
  `Please keep it to ${WORD_MAX} characters, about two sentences.`,
  "Write a few words, or tap “Skip”.",
);

/** What a coordinator publishes: their own paraphrase, held to the same rules. */
export const paraphraseSchema = plainText(
  PARAPHRASE_MAX,
  `A published statement can be at most ${PARAPHRASE_MAX} characters.`,
  "Write the statement to publish.",
);
