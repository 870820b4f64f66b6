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
export type PushMessage =
  | { kind: "talk-ready"; callId: string }
  | { kind: "talk-offer"; offerId: string; answerWithinSeconds: number }
  | { kind: "dropin-soon"; occurrenceId: string; title: string }
  | { kind: "dropin-cancelled"; occurrenceId: string; title: string };

/** The notification a service worker shows: small, and the URL it opens on a tap. */
export interface PushNotification {
  title: string;
  body: string;
  /** One notification per thing: a newer one replaces it. */
  tag: string;
  url: string;
}

/**
 * The text for a push. Discreet wording (the default on every device) says
 * nothing about what the service is: a phone may be shared or employer-issued,
 * and lock screens show notifications to anyone nearby.
 */
export function pushNotification(message: PushMessage, discreet: boolean): PushNotification {
  switch (message.kind) {
    case "talk-ready":
      return {
        title: discreet ? "It's your turn" : "A volunteer is ready for you",
        body: discreet ? "Tap to open." : "Tap to start talking. Nothing is recorded.",
        tag: "talk",
        url: `/talk/call/${message.callId}`,
      };
    case "talk-offer":
      return {
        title: discreet ? "New request" : "Someone would like to talk",
        body: discreet
          ? `Open within ${message.answerWithinSeconds} s.`
          : `Answer within ${message.answerWithinSeconds} s, or it passes to the next volunteer.`,
        tag: "offer",
        url: `/volunteer/on-call?offer=${message.offerId}`,
      };
    case "dropin-soon":
      return {
        title: discreet ? "Starts in 10 minutes" : "Your drop-in opens in 10 minutes",
        body: discreet ? "Tap to open." : message.title,
        tag: `dropin-${message.occurrenceId}`,
        url: `/sessions/${message.occurrenceId}`,
      };
    case "dropin-cancelled":
      return {
        title: discreet ? "Plans changed" : "A drop-in was cancelled",
        body: discreet ? "Tap to see what's on." : `${message.title} is not going ahead. Tap to see what else is on.`,
        tag: `dropin-${message.occurrenceId}`,
        url: `/sessions/${message.occurrenceId}`,
      };
  }
}

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
