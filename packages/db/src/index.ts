/*
 * The data package's one entrance, grouped by the part of the product each
 * use case serves. Names say what they act on (`signUpForRotaSlot`, not
 * `signUp`; `offerRotaCover` for rota swaps, "offer" alone for 1:1 talk
 * matches), so nothing collides in this flat list.
 */

// ── The database itself ───────────────────────────────────────────────────────
export { createDb, closeDb, databaseAnswers, clientForAuthAdapter, type Db, type Tx, type DbOrTx } from "./client.js";
export * from "./generated/prisma/enums.js";

// ── Drop-ins: Tonight, sessions, "count me in" ──────────────────────────────────
export {
  listUpcomingOccurrences,
  listTonightShared,
  occurrencesCountedIn,
  listCalendarSessions,
  findOccurrence,
  type TonightItem,
  type TonightShared,
  type CalendarRow,
} from "./dropins/queries.js";
export { setAttendanceIntent, type SetAttendanceResult } from "./dropins/mutations.js";
export { materializeOccurrences, extendDropInHorizon, OCCURRENCE_HORIZON_DAYS } from "./dropins/materialize.js";

// ── Drop-ins: facilitators' series and sessions, opening the room ───────────────
export {
  createSeries,
  cancelOccurrence,
  moveOccurrence,
  reassignOccurrence,
  updateSeries,
  openRoom,
  mayManageSeries,
  type CreateSeriesResult,
  type UpdateSeriesResult,
  type SeriesFieldRefusal,
  type CancelOccurrenceResult,
  type ChangeOccurrenceResult,
  type OpenRoomResult,
} from "./dropins/series.js";
export {
  listSeriesFacilitatedBy,
  listApprovedFacilitators,
  findSeries,
  seriesAttendanceSince,
  type FacilitatedSeries,
} from "./dropins/facilitating.js";
export { alertUnopenedSessions } from "./dropins/room.js";

// ── Drop-ins: email reminders before a session ─────────────────────────────────
export {
  requestDropInReminder,
  cancelDropInReminder,
  dropInReminderStatus,
  enqueueDueDropInReminders,
  DROPIN_REMINDER_REFUSALS,
  type DropInReminderStatus,
  type DropInReminderResult,
  type CancelDropInReminderResult,
  type DropInReminderRefusalCode,
} from "./dropins/reminders.js";

// ── The live room (a drop-in in progress) ──────────────────────────────────────
export {
  loadRoomContext,
  runRoomCommand,
  readLiveRoom,
  chatSince,
  touchRoomPresence,
  dropRoomPresence,
  dropVouchedPresence,
  dropAbsentMember,
  dropAbsentMembers,
  reconcilePresenceRows,
  presenceRowsLike,
  heartbeatRoomNode,
  reapStaleMembers,
  endOverdueRooms,
  roomIdentity,
  type RoomIdentity,
  roomCommand,
  roomCommands,
  roomWriteCounts,
  LiveRoomCache,
  CHAT_BUFFER,
  AUTO_END_AFTER_MINUTES,
  type Authorised,
  type RoomActorIn,
  type RoomCommandResult,
  type RoomCommandItem,
  type RoomContext,
  type RoomRunResult,
  type LiveRoomTruth,
} from "./room/live.js";
export {
  listSafeguardingFlags,
  reviewSafeguardingFlag,
  type ReviewSafeguardingResult,
  type SafeguardingRow,
} from "./safeguarding.js";

// ── People: who is acting, guests, applications, accounts, sign-in ──────────────
export { actorOfPerson, findSignedInPerson, type SignedInPerson } from "./people/actors.js";
export { createGuest, findGuestByToken, renameGuest, hashToken, type GuestIdentity } from "./people/guests.js";
export {
  submitVolunteerApplication,
  listVolunteers,
  decideApplication,
  createWorkerAccount,
  type ApplicationRow,
  type Decision,
  type DecisionResult,
} from "./people/applications.js";
export {
  exportPersonData,
  erasePerson,
  forgetGuest,
  endAllSessions,
  type ErasePersonResult,
  type ForgetGuestResult,
} from "./people/account.js";
export {
  admitTicket,
  admitTickets,
  consumeTicket,
  type TicketAdmission,
  type TicketToAdmit,
} from "./people/tickets.js";
export { maySendSignInLink, mayHoldSession } from "./people/sign-in.js";
export { storeDevMail, listDevMail } from "./people/mail.js";

// ── Mail: the outbox (stored in PostgreSQL; apps send it with @offshift/mail) ───
export {
  enqueueMail,
  deliverDueMail,
  MAX_MAIL_ATTEMPTS,
  type OutgoingMail,
  type SendMail,
  type EnqueueMailInput,
  type DeliveryResult,
} from "./mail/outbox.js";

// ── Rota: a volunteer's own moves (sign up, drop, cover requests) ───────────────
export {
  signUpForRotaSlot,
  dropRotaSlot,
  offerRotaCover,
  withdrawRotaCoverOffer,
  takeRotaCoverOffer,
  type SignUpForRotaSlotResult,
  type DropRotaSlotResult,
  type OfferRotaCoverResult,
  type WithdrawRotaCoverOfferResult,
  type TakeRotaCoverOfferResult,
} from "./rota/signup.js";
export {
  loadVolunteerRotaSettings,
  saveWorkPattern,
  savePreferences,
  volunteerRotaView,
  type VolunteerRotaSettings,
  type SaveWorkPatternResult,
  type VolunteerRotaView,
  type VolunteerSlotView,
  type MyShiftView,
  type CoverOfferView,
} from "./rota/volunteer.js";
export { createFeedToken, turnOffFeed, loadVolunteerFeed, type VolunteerFeed } from "./rota/feed.js";
export { enqueueRotaSlotReminders, rotaSlotReminderMail } from "./rota/reminders.js";
export { loadQuietHours, myQuietHours, quietNow } from "./rota/quiet.js";

// ── Rota: the board, coordinators' templates, gaps and auto-fill, pushes ────────
export { materializeRotaSlots, extendRotaHorizon, ROTA_HORIZON_DAYS } from "./rota/materialize.js";
export { loadRotaBoard, loadRotaDefaults, ROTA_DEFAULTS_KEY, type LoadedRotaBoard } from "./rota/board.js";
export {
  createRotaTemplate,
  updateRotaTemplate,
  retireRotaTemplate,
  listRotaTemplates,
  findRotaTemplate,
  listCoverableSeries,
  saveRotaDefaults,
  listRotaGaps,
  previewAutoFill,
  applyAutoFill,
  type CreateRotaTemplateResult,
  type UpdateRotaTemplateResult,
  type RetireRotaTemplateResult,
  type RotaTemplateRow,
  type ProposalRow,
  type GapRow,
  type AutoFillPreview,
  type ApplyAutoFillResult,
} from "./rota/coordinator.js";
export { listRotaWeek, type RotaWeekSlot } from "./rota/week.js";
export { claimRotaPushes, ROTA_COVER_PUSH_AHEAD_DAYS, type RotaPush, type RotaPushMessage } from "./rota/pushes.js";

// ── Talk: the 1:1 line (requests, offers to on-call volunteers, calls) ──────────
// The use cases each take the actor and return effects; the steps they are made of stay inside the package.
export {
  askToTalk,
  cancelTalkRequest,
  syncTalk,
  stepAsideFromRoom,
  goOnCall,
  goOffCall,
  syncOnCall,
  acceptTalkOffer,
  declineTalkOffer,
  joinCall,
  hangUp,
  leaveTalkPage,
  runTalkMatcher,
  type TalkPage,
} from "./talk/use-cases.js";
export { talkAvailability, type TalkResult, type TalkOutcome, type TalkCounts } from "./talk/requests.js";
export { type ClosedOffer, type MadeOffer, type DispatchResult } from "./talk/matching.js";
export { talkLineSlotsNow, heartbeatTalkNode } from "./talk/oncall.js";
export {
  callSide,
  callParties,
  loadCallView,
  loadCallForVolunteer,
  recordCallOutcome,
  listDebriefRequests,
} from "./talk/call.js";
export { talkAggregates } from "./talk/aggregates.js";

// ── Voice: themes ticked after sessions, published figures ─────────────────────
export * from "./voice/index.js";

// ── Push notifications (subscriptions, drop-in pushes) ─────────────────────────
export {
  savePushSubscription,
  pushSubscriptionStatus,
  removePushSubscription,
  pushTargetsFor,
  claimDropInPushes,
  DROPIN_SOON_MS,
  type DropInPush,
  type PushTarget,
  type SavePushSubscriptionResult,
} from "./push/subscriptions.js";
