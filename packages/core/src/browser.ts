/**
 * The part of core that browser code may import: no rrule, iCalendar or
 * time-zone data, so pages stay small on slow mobile data. Everything here is
 * also exported from the main entry.
 */
export { MESH_FULL_MESSAGE, placesLeft } from "./dropins/places.js";
export { dayInSentence } from "./dropins/day-in-sentence.js";
export { agreementFor } from "./people/agreements.js";
export type * from "./realtime/events.js";
export type { RoomAck, RoomError, RoomErrorCode } from "./room/commands.js";
export type { RoomSnapshot } from "./room/state.js";
export { PATCH_GAP_MS, RoomPatches, applyRoomPatch, type RoomPatch } from "./room/patch.js";
export type * from "./talk/schema.js";
export { BUSY_MESSAGE, BUSY_RETRIES, STILL_BUSY_MESSAGE, busyRetryDelay } from "./realtime/busy.js";
export { watchLiveness } from "./realtime/liveness.js";
export { WORD_MAX, PARAPHRASE_MAX } from "./voice/limits.js";
export type { PushTopic } from "./push/schema.js";
export { pushNotification, type PushMessage } from "./push/wording.js";
export { WEEKDAY_SHORT_NAMES } from "./time/weekdays.js";
