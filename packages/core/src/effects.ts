import type { AttendanceChanged, RotaChanged, ScheduleChanged } from "./realtime/events.js";

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
  /** 1:1 offers withdrawn outside realtime: each volunteer's offer closes, each requester waits for someone else. */
  | { kind: "talkOffersClosed"; offers: { offerId: string; volunteerId: string; requesterKey: string }[] }
  /** 1:1 calls ended outside realtime: both sides get the ended call's state as of `at`. */
  | { kind: "callsEnded"; callIds: string[]; at: Date };
