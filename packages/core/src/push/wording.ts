// What a notification says, kept apart from the zod schemas so that pages can show the
// same discreet words (an in-page alert, the tab's title) without loading zod.

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
