import type { Identity } from "./realtime/channels.js";
import type { AttendanceChanged, RotaChanged, ScheduleChanged } from "./realtime/events.js";
import type { CallView, TalkOfferView } from "./talk/schema.js";

/** Why a 1:1 offer stopped standing. */
export type TalkOfferClosedReason = "accepted" | "expired" | "withdrawn" | "declined" | "left";

/** 1:1 offers that stopped standing: each volunteer's offer closes, each requester (unless erased) looks again. */
export interface TalkOffersClosed {
  kind: "talkOffersClosed";
  offers: { offerId: string; volunteerId: string; requester: Identity | null; reason?: TalkOfferClosedReason }[];
}

/** 1:1 calls ended outside realtime: both sides get the ended call's state as of `at`. */
export interface CallsEnded {
  kind: "callsEnded";
  callIds: string[];
  at: Date;
}

/**
 * What a use case wants done once its transaction has committed, as data:
 * each app has one dispatcher that carries these out (web:
 * `lib/server/effects.ts`). Audit rows are not here: they are written in the
 * use case's own transaction, with the fact they record.
 */
export type Effect =
  /** A mail through the outbox; `dedupeKey` makes "send this once" a database fact. */
  | { kind: "mail"; to: string; subject: string; text: string; dedupeKey: string }
  /** A sign-in link mailed by the auth library (it mints the token). */
  | { kind: "signInLink"; email: string; purpose: "approved" }
  /** Open pages showing drop-ins fetch them again. */
  | { kind: "scheduleChanged"; change: ScheduleChanged }
  /** Tonight's pages update how many plan to come to this session. */
  | { kind: "attendanceChanged"; change: AttendanceChanged }
  /** Open rota pages (volunteers' and coordinators') fetch these slots again. */
  | { kind: "rotaChanged"; change: RotaChanged }
  /** A session whose room was open was cancelled (already ended in the database): every node takes its people out. */
  | { kind: "roomCancelled"; occurrenceId: string }
  /** Every open socket of this person, on every node, is closed. */
  | { kind: "disconnectPerson"; personId: string }
  /** 1:1 offers withdrawn outside realtime (an erasure): each volunteer's offer closes, each requester waits for someone else. */
  | TalkOffersClosed
  | CallsEnded;

/**
 * What a 1:1 line use case (packages/db/src/talk) wants done once it has
 * committed, as data; realtime's talk dispatcher (apps/realtime/src/effects.ts)
 * carries them out: live events to the pages concerned, pushes, the matcher.
 */
export type TalkEffect =
  | TalkOffersClosed
  /** An offer was made: the volunteer's pages and devices hear it, the requester's page looks again. */
  | {
      kind: "talkOfferMade";
      volunteerId: string;
      requester: Identity;
      offer: TalkOfferView;
      answerWithinSeconds: number;
    }
  /** A volunteer accepted: the worker's pages and devices hear their call is ready, the volunteer's offer closes. */
  | { kind: "talkAccepted"; offerId: string; volunteerId: string; requester: Identity; callId: string }
  /** A facilitator stepped this worker aside from a drop-in: a priority request is waiting for them. */
  | { kind: "talkSteppedAside"; requester: Identity; requestId: string }
  /** This worker's request changed outside their page (closed after they left): it looks again. */
  | { kind: "talkRequestChanged"; requester: Identity }
  /** The queue moved: every waiting worker's page looks again at its place. */
  | { kind: "talkQueueMoved" }
  /** The number waiting changed: every open on-call page looks again. */
  | { kind: "onCallWaitingChanged" }
  /** This volunteer's on-call state changed (on, off, their call ended): their pages look again. */
  | { kind: "onCallChanged"; personId: string }
  /** Something a matching pass could use changed: run one now rather than at the next tick. */
  | { kind: "matchTalk" }
  /** Who is in a call changed: both sides' pages get its state. */
  | { kind: "callState"; callId: string; view: Omit<CallView, "me"> }
  /** A side ended the call: both sides get its final state, leave it on every node, and its audio room closes. */
  | { kind: "callEnded"; callId: string; view: Omit<CallView, "me"> | null; by: "worker" | "volunteer" }
  /** The call's audio room closes (nobody was in the call any more). */
  | { kind: "callAudioClosed"; callId: string };
