import { wallTimeAt, type WallTime } from "../time/zoned.js";

/**
 * "It's 23:50, I've just finished: is there a session on now or soon?"
 * Pure rules for what the Tonight page shows and how times are labelled.
 */

export const LOBBY_OPENS_MINUTES_BEFORE = 10;
export const STARTING_SOON_MINUTES = 60;
/** A night runs from noon until 06:00 the next morning, local time. */
export const NIGHT_ENDS_AT_HOUR = 6;
export const UPCOMING_DAYS = 7;

export type TonightBucket = "live" | "soon" | "later" | "week";

export interface Timed {
  startsAt: Date;
  endsAt: Date;
}

const MINUTE = 60_000;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function weekdayOf(w: WallTime): string {
  return WEEKDAYS[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()]!;
}

/** Calendar date (as a UTC midnight) of the night a local wall time belongs to. */
function nightOf(w: WallTime): number {
  const day = Date.UTC(w.year, w.month - 1, w.day);
  return w.hour < NIGHT_ENDS_AT_HOUR ? day - 86_400_000 : day;
}

export function isLobbyOpen(occ: Timed, now: Date): boolean {
  return now.getTime() >= occ.startsAt.getTime() - LOBBY_OPENS_MINUTES_BEFORE * MINUTE && now < occ.endsAt;
}

/** Which section of Tonight an occurrence belongs in, or null if past or too far ahead. */
export function bucketFor(occ: Timed, now: Date, timeZone: string): TonightBucket | null {
  if (occ.endsAt <= now) return null;
  if (occ.startsAt <= now) return "live";
  if (occ.startsAt.getTime() - now.getTime() <= STARTING_SOON_MINUTES * MINUTE) return "soon";
  if (nightOf(wallTimeAt(occ.startsAt, timeZone)) === nightOf(wallTimeAt(now, timeZone))) {
    // Same night only while it is still that night (before 06:00 the next morning).
    return "later";
  }
  if (occ.startsAt.getTime() - now.getTime() <= UPCOMING_DAYS * 86_400_000) return "week";
  return null;
}

/**
 * "Tuesday night, 00:30" for a session after midnight (it belongs to the night
 * before), "Tuesday, 22:00" otherwise. "Tonight" when it is the current night.
 */
export function nightLabel(startsAt: Date, now: Date, timeZone: string): { day: string; time: string } {
  const w = wallTimeAt(startsAt, timeZone);
  const time = `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
  const night = nightOf(w);
  const currentNight = nightOf(wallTimeAt(now, timeZone));
  const afterMidnight = w.hour < NIGHT_ENDS_AT_HOUR;
  if (night === currentNight && (afterMidnight || w.hour >= 17)) return { day: "Tonight", time };
  if (night === currentNight + 86_400_000 && (afterMidnight || w.hour >= 17)) return { day: "Tomorrow night", time };
  const nightWeekday = WEEKDAYS[new Date(night).getUTCDay()]!;
  if (afterMidnight) return { day: `${nightWeekday} night`, time };
  return { day: weekdayOf(w), time };
}

export interface Grouped<T> {
  live: T[];
  soon: T[];
  later: T[];
  week: T[];
}

export function groupForTonight<T extends Timed>(items: readonly T[], now: Date, timeZone: string): Grouped<T> {
  const groups: Grouped<T> = { live: [], soon: [], later: [], week: [] };
  const sorted = [...items].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  for (const item of sorted) {
    const bucket = bucketFor(item, now, timeZone);
    if (bucket) groups[bucket].push(item);
  }
  return groups;
}

/**
 * How long after the start workers wait for a facilitator before the lobby
 * says plainly that the session is not going ahead. The backup facilitator is
 * alerted at the start time itself.
 */
export const FACILITATOR_GRACE_MINUTES = 15;

/**
 * What the lobby tells a worker, honestly (Tonight and the session page): a
 * session's status, not the live room's own state (`LiveRoomState`,
 * room/state.ts). A room is never "live" without a
 * facilitator: until one opens it, the lobby says who is expected and what
 * is being done about a late start.
 * - upcoming: the lobby is not open yet
 * - lobby: open, waiting for the start (facilitator not in yet)
 * - open: a facilitator opened the room
 * - late: start time passed, room still closed; the backup has been alerted
 * - not-running: still closed FACILITATOR_GRACE_MINUTES after the start
 */
export type LobbyStatus = "cancelled" | "ended" | "upcoming" | "lobby" | "open" | "late" | "not-running";

export function lobbyStatus(occ: Timed & { cancelled: boolean; openedAt: Date | null }, now: Date): LobbyStatus {
  if (occ.cancelled) return "cancelled";
  if (occ.endsAt <= now) return "ended";
  if (!isLobbyOpen(occ, now)) return "upcoming";
  if (occ.openedAt) return "open";
  if (now < occ.startsAt) return "lobby";
  if (now.getTime() < occ.startsAt.getTime() + FACILITATOR_GRACE_MINUTES * MINUTE) return "late";
  return "not-running";
}

/** The next instant at which `lobbyStatus` could change by the clock alone, or null. */
export function nextLobbyStatusChange(
  occ: Timed & { cancelled: boolean; openedAt: Date | null },
  now: Date,
): Date | null {
  if (occ.cancelled) return null;
  const lobby = occ.startsAt.getTime() - LOBBY_OPENS_MINUTES_BEFORE * MINUTE;
  const grace = occ.startsAt.getTime() + FACILITATOR_GRACE_MINUTES * MINUTE;
  const marks = occ.openedAt
    ? [lobby, occ.endsAt.getTime()]
    : [lobby, occ.startsAt.getTime(), grace, occ.endsAt.getTime()];
  const next = marks.filter((t) => t > now.getTime()).sort((a, b) => a - b)[0];
  return next === undefined ? null : new Date(next);
}

/**
 * The drop-in to point a worker to when nobody is on call: one open now (that
 * they can get into), else the next one that is actually going ahead (not
 * started yet), never one that is late, not going ahead, cancelled or over.
 */
export function dropInToSuggest<T extends Timed & { cancelled?: boolean; openedAt: Date | null }>(
  items: readonly T[],
  now: Date,
  canEnter: (item: T) => boolean = () => true,
): { item: T; openNow: boolean } | null {
  const sorted = [...items].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const state = (item: T) => lobbyStatus({ ...item, cancelled: item.cancelled ?? false }, now);
  const open = sorted.find((item) => state(item) === "open" && canEnter(item));
  if (open) return { item: open, openNow: true };
  const next = sorted.find((item) => state(item) === "upcoming" || state(item) === "lobby");
  return next ? { item: next, openNow: false } : null;
}
