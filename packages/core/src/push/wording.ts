// What a notification says, kept apart from the zod schemas so that pages can show the
// same discreet words (an in-page alert, the tab's title) without loading zod.

export type PushMessage =
  | { kind: "talk-ready"; callId: string }
  | { kind: "talk-offer"; offerId: string; answerWithinSeconds: number }
  | { kind: "dropin-soon"; occurrenceId: string; title: string }
  | { kind: "dropin-cancelled"; occurrenceId: string; title: string }
  /** `when` is already words in the organisation's zone: "Tonight at 21:30". */
  | { kind: "rota-reminder"; slotId: string; name: string; when: string; lead: "24h" | "1h" }
  | { kind: "rota-cover"; offerId: string; name: string; when: string };

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
    case "rota-reminder":
      return {
        title: discreet ? (message.lead === "1h" ? "In an hour" : "Coming up") : `You're on the rota: ${message.name}`,
        body: discreet ? `${message.when}. Tap to open.` : `${message.when}. Tap to see your slots, or swap one.`,
        tag: `rota-${message.slotId}`,
        url: "/rota",
      };
    case "rota-cover":
      return {
        title: discreet ? "Can you help?" : `Cover needed: ${message.name}`,
        body: discreet ? `${message.when}. Tap to open.` : `${message.when}. It fits around your work; tap to take it.`,
        tag: `cover-${message.offerId}`,
        url: "/rota",
      };
  }
}
