export { createDb, databaseAnswers, poolOf, type Db, type DbOrTx } from "./client.js";
export * from "./generated/prisma/enums.js";
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
export { materializeOccurrences, extendHorizon, OCCURRENCE_HORIZON_DAYS } from "./dropins/materialize.js";
export { materializeRotaSlots, ROTA_HORIZON_DAYS } from "./rota/materialize.js";
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
export { consumeTicket } from "./people/tickets.js";
export { maySendSignInLink, mayHoldSession } from "./people/sign-in.js";
export { storeDevMail, listDevMail } from "./people/mail.js";
export {
  createSeries,
  cancelOccurrence,
  moveOccurrence,
  reassignOccurrence,
  updateSeries,
  openRoom,
  type UpdateSeriesResult,
  type OpenRoomResult,
  type CreateSeriesResult,
  type FieldRefusal,
  mayManageSeries,
  type CancelResult,
  type ChangeOccurrenceResult,
} from "./dropins/series.js";
export {
  enqueueMail,
  deliverDueMail,
  MAX_MAIL_ATTEMPTS,
  type OutgoingMail,
  type SendMail,
  type EnqueueMailInput,
  type DeliveryResult,
} from "./mail/outbox.js";
export {
  requestReminder,
  cancelReminder,
  reminderStatus,
  enqueueDueReminders,
  type ReminderStatus,
  type ReminderResult,
  type CancelReminderResult,
  type ReminderRefusalCode,
  REMINDER_REFUSALS,
} from "./dropins/reminders.js";
export { alertUnopenedSessions } from "./dropins/room.js";
export {
  listSeriesFacilitatedBy,
  listApprovedFacilitators,
  findSeries,
  seriesAttendanceSince,
  type FacilitatedSeries,
} from "./dropins/facilitating.js";
export { loadBoard, loadRotaDefaults, ROTA_DEFAULTS_KEY, type LoadedBoard } from "./rota/board.js";
export {
  signUp,
  drop,
  offerCover,
  withdrawOffer,
  takeOffer,
  type SignUpResult,
  type DropResult,
  type OfferCoverResult,
  type WithdrawOfferResult,
  type TakeOfferResult,
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
export { extendRotaHorizon } from "./rota/materialize.js";
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
export { enqueueSlotReminders, slotReminderMail } from "./rota/reminders.js";
export { loadQuietHours, myQuietHours, quietNow } from "./rota/quiet.js";
export { claimRotaPushes, ROTA_COVER_PUSH_AHEAD_DAYS, type RotaPush, type RotaPushMessage } from "./rota/pushes.js";
export {
  loadRoomContext,
  runRoomCommand,
  readRoom,
  chatSince,
  touchPresence,
  dropPresence,
  dropAbsentMember,
  reconcilePresenceRows,
  presenceRowsLike,
  heartbeatNode,
  reapStaleMembers,
  endOverdueRooms,
  roomIdentity,
  roomCommand,
  readRoomTruth,
  RoomCache,
  CHAT_BUFFER,
  AUTO_END_AFTER_MINUTES,
  type Authorised,
  type RoomActorIn,
  type RoomCommandResult,
  type RoomContext,
  type RoomRunResult,
  type RoomTruth,
} from "./room/live.js";
export {
  listSafeguardingFlags,
  reviewSafeguardingFlag,
  type ReviewSafeguardingResult,
  type SafeguardingRow,
} from "./safeguarding.js";
export {
  requestTalk,
  stepAside,
  cancelTalk,
  talkStatus,
  talkAvailability,
  type TalkResult,
  type TalkCounts,
} from "./talk/requests.js";
export {
  dispatchOffers,
  acceptOffer,
  declineOffer,
  withdrawOffersOf,
  withdrawOffersForWorker,
  type ClosedOffer,
  type MadeOffer,
  type DispatchResult,
} from "./talk/matching.js";
export {
  talkLineSlotsNow,
  startOnCall,
  stopOnCall,
  touchOnCallPresence,
  dropTalkPresence,
  heartbeatTalkNode,
  onCallStatus,
  loadOfferView,
} from "./talk/oncall.js";
export { touchWaitingPresence } from "./talk/presence.js";
export {
  callSide,
  callParties,
  loadCallView,
  touchCallPresence,
  endCall,
  loadCallForVolunteer,
  recordCallOutcome,
  listDebriefRequests,
} from "./talk/call.js";
export { talkAggregates } from "./talk/aggregates.js";
export * from "./voice/index.js";
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
