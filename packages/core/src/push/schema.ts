import { z } from "zod";

/**
 * What a device may be told, each chosen by the person on that device:
 * - `talk`: a worker waiting on the 1:1 line hears "A volunteer is ready for you";
 * - `offers`: a volunteer on call gets the offer itself, to answer within 30 s;
 * - `dropins`: a drop-in they counted themselves in for opens in 10 minutes, or is cancelled;
 * - `rota`: a volunteer's rota reminders and cover requests that fit them.
 */
export const PUSH_TOPICS = ["talk", "offers", "dropins", "rota"] as const;
export type PushTopic = (typeof PUSH_TOPICS)[number];

const base64url = (name: string, bytes: number) =>
  z
    .string({ error: `${name} is missing` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${name} must be base64url`)
    .refine((v) => Math.floor((v.replace(/=+$/, "").length * 3) / 4) === bytes, `${name} must be ${bytes} bytes`);

/**
 * A browser's PushSubscription (its `toJSON()`), plus the person's choices. The
 * endpoint is the push service's address: https only, and never anything else
 * about the person.
 */
export const pushSubscriptionInput = z.object({
  endpoint: z
    .string({ error: "The push address is missing" })
    .max(1024, "The push address is too long")
    .refine((v) => {
      try {
        return new URL(v).protocol === "https:";
      } catch {
        return false;
      }
    }, "The push address must be an https:// URL"),
  keys: z.object({
    // An uncompressed P-256 point (RFC 8291 section 3.1).
    p256dh: base64url("The device key", 65),
    auth: base64url("The device secret", 16),
  }),
  topics: z
    .array(z.enum(PUSH_TOPICS, { error: "Unknown kind of notification" }))
    .max(PUSH_TOPICS.length)
    .transform((topics) => [...new Set(topics)]),
  discreet: z.boolean().default(true),
});
export type PushSubscriptionInput = z.output<typeof pushSubscriptionInput>;

export const pushUnsubscribeInput = z.object({
  endpoint: z.string({ error: "The push address is missing" }).max(1024, "The push address is too long"),
});

/** What is pushed. Each names what it is about only in `full` wording. */
export { pushNotification, type PushMessage, type PushNotification } from "./wording.js";

/** Words that would tell someone glancing at a lock screen what this is. */
export const REVEALING_WORDS = [
  "offshift",
  "volunteer",
  "talk",
  "drop-in",
  "support",
  "care",
  "crisis",
  "samaritans",
  "peer",
  "listen",
] as const;
