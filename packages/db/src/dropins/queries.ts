import { firstName, type CalendarSession, type LiveRoomState, type RoomOccupancy } from "@offshift/core";
import { attendanceKey } from "./mutations.js";
import type { Db } from "../client.js";

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

/** One occurrence as the session page shows it, or null. Cancelled ones are returned (and said so). */
export async function findOccurrence(db: Db, occurrenceId: string) {
  const row = await db.dropInOccurrence.findUnique({
    where: { id: occurrenceId },
    include: {
      series: {
        include: {
          facilitator: { select: { displayName: true } },
          backupFacilitator: { select: { displayName: true } },
        },
      },
      facilitator: { select: { displayName: true } },
      _count: { select: { intents: true } },
      liveRoom: { select: { state: true } },
    },
  });
  if (!row) return null;
  const backup = row.series.backupFacilitator;
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
    facilitatorFirstName: firstName((row.facilitator ?? row.series.facilitator).displayName),
    /** The people who may open the room. */
    runnerIds: [row.facilitatorId, row.series.facilitatorId, row.series.backupFacilitatorId].filter(
      (id): id is string => id !== null,
    ),
    backupFirstName:
      backup && row.series.backupFacilitatorId !== row.facilitatorId ? firstName(backup.displayName) : null,
    openedAt: row.openedAt,
    backupAlertedAt: row.backupAlertedAt,
    planning: row._count.intents,
    room: occupancy(row.liveRoom),
  };
}

/** Scheduled occurrences that have not ended and start within `days`. */
export async function listUpcomingOccurrences(
  db: Db,
  input: { now: Date; days: number; identityKey?: string | null | undefined },
): Promise<TonightItem[]> {
  const key = input.identityKey ? attendanceKey(input.identityKey) : undefined;
  const until = new Date(input.now.getTime() + input.days * 86_400_000);
  const rows = await db.dropInOccurrence.findMany({
    where: { status: "SCHEDULED", endsAt: { gt: input.now }, startsAt: { lt: until } },
    orderBy: { startsAt: "asc" },
    include: {
      series: {
        include: {
          facilitator: { select: { displayName: true } },
          backupFacilitator: { select: { displayName: true } },
        },
      },
      facilitator: { select: { displayName: true } },
      _count: { select: { intents: true } },
      intents: key ? { where: { browserKey: key }, select: { browserKey: true } } : false,
      liveRoom: { select: { state: true } },
    },
  });
  return rows.map((row) => ({
    occurrenceId: row.id,
    title: row.title,
    theme: row.theme,
    description: row.description,
    language: row.language,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    capacity: row.capacity,
    facilitatorFirstName: firstName((row.facilitator ?? row.series.facilitator).displayName),
    backupFirstName:
      row.series.backupFacilitator && row.series.backupFacilitatorId !== row.facilitatorId
        ? firstName(row.series.backupFacilitator.displayName)
        : null,
    planning: row._count.intents,
    planningFromHere: Array.isArray(row.intents) && row.intents.length > 0,
    openedAt: row.openedAt,
    room: occupancy(row.liveRoom),
  }));
}

/** A calendar entry (core's CalendarSession) and the series it belongs to. */
export type CalendarRow = CalendarSession & { seriesId: string };

/**
 * Occurrences for calendar feeds, including cancelled ones (so subscribed
 * calendars remove them), from a week ago to `days` ahead.
 */
export async function listCalendarSessions(
  db: Db,
  input: { now: Date; days: number; seriesId?: string; occurrenceId?: string },
): Promise<CalendarRow[]> {
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
