import { client, type Db } from "../client.js";

/**
 * Read models for the facilitator and coordinator pages: what they show,
 * shaped as the pages use it, so routes never build Prisma queries.
 */

/**
 * The series a person runs (as facilitator, backup, or stand-in for one of its
 * sessions), in title order, each with its sessions that end after `now` and
 * start within `days` of it.
 */
export async function listSeriesFacilitatedBy(handle: Db, input: { personId: string; now: Date; days: number }) {
  const db = client(handle);
  const { personId, now, days } = input;
  return db.dropInSeries.findMany({
    where: {
      OR: [
        { facilitatorId: personId },
        { backupFacilitatorId: personId },
        { occurrences: { some: { facilitatorId: personId } } },
      ],
    },
    orderBy: { title: "asc" },
    select: {
      id: true,
      title: true,
      theme: true,
      facilitatorId: true,
      backupFacilitatorId: true,
      occurrences: {
        where: { endsAt: { gt: now }, startsAt: { lt: new Date(now.getTime() + days * 86_400_000) } },
        orderBy: { startsAt: "asc" },
        select: {
          id: true,
          title: true,
          startsAt: true,
          originalStart: true,
          status: true,
          facilitatorId: true,
          facilitator: { select: { displayName: true } },
        },
      },
    },
  });
}

export type FacilitatedSeries = Awaited<ReturnType<typeof listSeriesFacilitatedBy>>[number];

/** Approved, not erased facilitators in name order (who a session can be handed to), optionally leaving one out. */
export async function listApprovedFacilitators(handle: Db, options: { except?: string } = {}) {
  const db = client(handle);
  return db.person.findMany({
    where: {
      ...(options.except ? { id: { not: options.except } } : {}),
      status: "APPROVED",
      roles: { has: "FACILITATOR" },
      erasedAt: null,
    },
    orderBy: { displayName: "asc" },
    select: { id: true, displayName: true },
  });
}

/** One series as stored, or null (the series edit form starts from it). */
export async function findSeries(handle: Db, id: string) {
  const db = client(handle);
  return db.dropInSeries.findUnique({ where: { id } });
}

/**
 * Attendance as aggregates only, never who: per series (title order), its
 * sessions starting since `since` and how many said they plan to come.
 */
export async function seriesAttendanceSince(handle: Db, since: Date) {
  const db = client(handle);
  const perSeries = await db.dropInSeries.findMany({
    select: {
      title: true,
      occurrences: { where: { startsAt: { gte: since } }, select: { _count: { select: { intents: true } } } },
    },
    orderBy: { title: "asc" },
  });
  return perSeries.map((s) => ({
    title: s.title,
    sessions: s.occurrences.length,
    planning: s.occurrences.reduce((n, o) => n + o._count.intents, 0),
  }));
}
