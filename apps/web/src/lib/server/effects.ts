import { personChannel, type Effect } from "@offshift/core";
import { enqueueMail } from "@offshift/db";
import { sendSignInLink } from "./auth.js";
import { now as clockNow } from "./clock.js";
import { getDb } from "./db.js";
import {
  disconnectIdentity,
  publishAttendanceChanged,
  publishCallsEnded,
  publishRoomCancelled,
  publishRotaChanged,
  publishScheduleChanged,
  publishTalkOffersClosed,
} from "./events.js";

/**
 * Web's one dispatcher for what a use case returns as `effects`, run after its
 * transaction committed: mail goes into the outbox (realtime delivers it),
 * live events out through the Postgres emitter (events.ts), sockets are
 * closed on every node. In the order the use case listed them.
 */
export async function dispatchEffects(effects: readonly Effect[], request: { headers: Headers }): Promise<void> {
  for (const effect of effects) {
    switch (effect.kind) {
      case "mail":
        await enqueueMail(getDb(), {
          to: effect.to,
          subject: effect.subject,
          text: effect.text,
          dedupeKey: effect.dedupeKey,
          notBefore: clockNow(),
        });
        break;
      case "signInLink":
        // The auth library mints the link's token and mails it itself.
        await sendSignInLink(effect.email, request.headers, effect.purpose);
        break;
      case "scheduleChanged":
        publishScheduleChanged(effect.change);
        break;
      case "attendanceChanged":
        publishAttendanceChanged(effect.change);
        break;
      case "rotaChanged":
        publishRotaChanged(effect.change);
        break;
      case "roomCancelled":
        publishRoomCancelled(effect.occurrenceId);
        break;
      case "disconnectPerson":
        disconnectIdentity(personChannel(effect.personId));
        break;
      case "talkOffersClosed":
        publishTalkOffersClosed(effect.offers);
        break;
      case "callsEnded":
        await publishCallsEnded(getDb(), effect.callIds, effect.at);
        break;
    }
  }
}
