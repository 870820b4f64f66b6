import {
  facilitatorsOf,
  firstName,
  type CalendarSession,
  type LiveRoomState,
  type RoomOccupancy,
} from "@offshift/core";
import { attendanceKey } from "./mutations.js";
import { client, type Db, poolOf } from "../client.js";
import type { RoomStyle } from "../generated/prisma/enums.js";

export interface TonightItem {
  occurrenceId: string;
  title: string;
  theme: string;
  description: string;
  language: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  facilitatorFirstName: string;
  /** Who is told when the facilitator is late; null: the coordinators are. */
  backupFirstName: string | null;
  /** People who said they plan to come. */
  planning: number;
  /** Whether this browser said so. */
  planningFromHere: boolean;
  /** When a facilitator opened the room, if they have. */
  openedAt: Date | null;
  /** Who is in the live room now (null before anyone has joined), for the places a page may offer. */
  room: RoomOccupancy | null;
}

/** Workers and facilitators seated in a live room, and whether it is locked; nobody once it has ended. */
function occupancy(liveRoom: { state: unknown } | null): RoomOccupancy | null {
  if (!liveRoom) return null;
  const state = liveRoom.state as LiveRoomState;
  if (state.phase === "ended") return null;
  const facilitators = state.members.filter((m) => m.facilitator).length;
  return { workers: state.members.length - facilitators, facilitators, locked: state.locked };
}

interface OccurrenceRow {
  id: string;
  seriesId: string;
  title: string;
  theme: string;
  description: string;
  language: string;
  roomStyle: RoomStyle;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  status: string;
  openedAt: Date | null;
  backupAlertedAt: Date | null;
  facilitatorId: string | null;
  seriesFacilitatorId: string;
  backupFacilitatorId: string | null;
  facilitatorName: string;
  backupName: string | null;
  planning: number;
  liveRoomState: unknown;
}

/**
 * What both plain-SQL reads below show with an occurrence, in one round trip: the series'
 * facilitator when the occurrence names none, the backup only when it is someone other than
 * the occurrence's facilitator, the count of intents, and the live room's state.
 */
const SHOWN_WITH = `
         coalesce(fo."displayName", fs."displayName") as "facilitatorName",
         case when s."backupFacilitatorId" is distinct from o."facilitatorId" then b."displayName" end as "backupName",
         (select count(*)::int from "AttendanceIntent" i where i."occurrenceId" = o.id) as planning,
         lr.state as "liveRoomState"
    from "DropInOccurrence" o
    join "DropInSeries" s on s.id = o."seriesId"
    join "Person" fs on fs.id = s."facilitatorId"
    left join "Person" fo on fo.id = o."facilitatorId"
    left join "Person" b on b.id = s."backupFacilitatorId"
    left join "LiveRoom" lr on lr."occurrenceId" = o.id`;

/*
 * Plain SQL on the client's pool, like Tonight's read (listTonightShared): the session page
 * and the room page read it on every visit. The same joins as there, for one occurrence.
 */
const OCCURRENCE_SQL = `
  select o.id, o."seriesId", o.title, o.theme, o.description, o.language, o."roomStyle"::text as "roomStyle",
         o."startsAt", o."endsAt", o.capacity, o.status::text as status, o."openedAt", o."backupAlertedAt",
         o."facilitatorId", s."facilitatorId" as "seriesFacilitatorId", s."backupFacilitatorId",${SHOWN_WITH}
   where o.id = $1`;

/** One occurrence as the session page shows it, or null. Cancelled ones are returned (and said so). */
export async function findOccurrence(db: Db, occurrenceId: string) {
  const { rows } = await poolOf(db).query<OccurrenceRow>(OCCURRENCE_SQL, [occurrenceId]);
  const row = rows[0];
  if (!row) return null;
  return {
    occurrenceId: row.id,
    seriesId: row.seriesId,
    title: row.title,
    theme: row.theme,
    description: row.description,
    language: row.language,
    roomStyle: row.roomStyle,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    capacity: row.capacity,
    cancelled: row.status === "CANCELLED",
    facilitatorFirstName: firstName(row.facilitatorName),
    /** The people who may open the room. */
    runnerIds: facilitatorsOf({
      facilitatorId: row.facilitatorId,
      series: { facilitatorId: row.seriesFacilitatorId, backupFacilitatorId: row.backupFacilitatorId },
    }),
    backupFirstName: row.backupName === null ? null : firstName(row.backupName),
    openedAt: row.openedAt,
    backupAlertedAt: row.backupAlertedAt,
    planning: row.planning,
    room: occupancy(row.liveRoomState === null ? null : { state: row.liveRoomState }),
  };
}

/** Tonight's shared part: everything about an occurrence except whether this browser counted itself in. */
export type TonightShared = Omit<TonightItem, "planningFromHere">;

interface TonightRow {
  id: string;
  title: string;
  theme: string;
  description: string;
  language: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  openedAt: Date | null;
  facilitatorName: string;
  backupName: string | null;
  planning: number;
  liveRoomState: unknown;
}

/*
 * Plain SQL on the client's own pool (poolOf): Tonight is read on every visit,
 * and Prisma's query compiler and result mapping cost more CPU than the query
 * itself (bench/web, bench/web-profile.mjs). One statement, one round trip:
 * the series' facilitator when the occurrence names none, the backup only when
 * it is someone other than the occurrence's facilitator, the count of intents,
 * and the live room's state.
 */
const TONIGHT_SQL = `
  select o.id, o.title, o.theme, o.description, o.language, o."startsAt", o."endsAt", o.capacity, o."openedAt",${SHOWN_WITH}
   where o.status = 'SCHEDULED' and o."endsAt" > $1 and o."startsAt" < $2
   order by o."startsAt", o.id`;

/** Scheduled occurrences that end after `from` and start before `until`, soonest first, for everyone alike. */
export async function listTonightShared(db: Db, input: { from: Date; until: Date }): Promise<TonightShared[]> {
  const { rows } = await poolOf(db).query<TonightRow>(TONIGHT_SQL, [input.from, input.until]);
  return rows.map((r) => ({
    occurrenceId: r.id,
    title: r.title,
    theme: r.theme,
    description: r.description,
    language: r.language,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    capacity: r.capacity,
    facilitatorFirstName: firstName(r.facilitatorName),
    backupFirstName: r.backupName === null ? null : firstName(r.backupName),
    planning: r.planning,
    openedAt: r.openedAt,
    room: occupancy(r.liveRoomState === null ? null : { state: r.liveRoomState }),
  }));
}

/** Which of these occurrences this guest or account said they plan to come to (one indexed read). */
export async function occurrencesCountedIn(
  db: Db,
  identityKey: string,
  occurrenceIds: readonly string[],
): Promise<Set<string>> {
  if (occurrenceIds.length === 0) return new Set();
  const { rows } = await poolOf(db).query<{ occurrenceId: string }>(
    `select "occurrenceId" from "AttendanceIntent" where "browserKey" = $1 and "occurrenceId" = any($2::uuid[])`,
    [attendanceKey(identityKey), occurrenceIds],
  );
  return new Set(rows.map((r) => r.occurrenceId));
}

/** Scheduled occurrences that have not ended and start within `days`. */
export async function listUpcomingOccurrences(
  handle: Db,
  input: { now: Date; days: number; identityKey?: string | null | undefined },
): Promise<TonightItem[]> {
  const db = client(handle);
  const shared = await listTonightShared(db, {
    from: input.now,
    until: new Date(input.now.getTime() + input.days * 86_400_000),
  });
  const mine = input.identityKey
    ? await occurrencesCountedIn(
        db,
        input.identityKey,
        shared.map((s) => s.occurrenceId),
      )
    : new Set<string>();
  return shared.map((s) => ({ ...s, planningFromHere: mine.has(s.occurrenceId) }));
}

/** A calendar entry (core's CalendarSession) and the series it belongs to. */
export type CalendarRow = CalendarSession & { seriesId: string };

/**
 * Occurrences for calendar feeds, including cancelled ones (so subscribed
 * calendars remove them), from a week ago to `days` ahead.
 */
export async function listCalendarSessions(
  handle: Db,
  input: { now: Date; days: number; seriesId?: string; occurrenceId?: string },
): Promise<CalendarRow[]> {
  const db = client(handle);
  const rows = await db.dropInOccurrence.findMany({
    where: {
      ...(input.occurrenceId
        ? { id: input.occurrenceId }
        : {
            startsAt: {
              gte: new Date(input.now.getTime() - 7 * 86_400_000),
              lt: new Date(input.now.getTime() + input.days * 86_400_000),
            },
            ...(input.seriesId ? { seriesId: input.seriesId } : {}),
          }),
    },
    orderBy: { startsAt: "asc" },
    select: {
      id: true,
      seriesId: true,
      startsAt: true,
      endsAt: true,
      status: true,
      updatedAt: true,
      title: true,
      theme: true,
      description: true,
    },
  });
  return rows.map((r) => ({
    occurrenceId: r.id,
    seriesId: r.seriesId,
    title: r.title,
    theme: r.theme,
    description: r.description,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    cancelled: r.status === "CANCELLED",
    updatedAt: r.updatedAt,
  }));
}
