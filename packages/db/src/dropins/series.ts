import { buildRule, expandBetween, firstClash, isLobbyOpen, moveTooFarAhead, type SeriesInput } from "@offshift/core";
import type { Db } from "../client.js";
import type { Prisma } from "../generated/prisma/client.js";
import { endLiveRoomIn } from "../room/live.js";
import { OCCURRENCE_HORIZON_DAYS, materializeOccurrences, occurrenceDetails } from "./materialize.js";

export type CreateSeriesResult =
  { ok: true; seriesId: string; occurrences: number } | { ok: false; field: string; message: string };

const whenLabel = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
  }).format(d);

/**
 * Takes the lead facilitator's advisory lock (so two creations or edits for one
 * facilitator are settled one at a time) and returns the refusal if the
 * series would double-book them, or null.
 */
async function lockAndCheckClash(
  tx: Prisma.TransactionClient,
  input: {
    leadId: string;
    excludeSeriesId?: string;
    title: string;
    rule: string;
    startsOnLocal: string;
    timeZone: string;
    durationMinutes: number;
    now: Date;
  },
): Promise<{ ok: false; field: "recurrence"; message: string } | null> {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`series:${input.leadId}`}))`;
  const existing = await tx.dropInSeries.findMany({
    where: { facilitatorId: input.leadId, ...(input.excludeSeriesId ? { id: { not: input.excludeSeriesId } } : {}) },
    select: { title: true, rrule: true, startsOnLocal: true, timeZone: true, durationMinutes: true },
  });
  const clash = firstClash(
    input,
    existing.map((e) => ({ ...e, rule: e.rrule })),
    input.now,
  );
  if (!clash) return null;
  return {
    ok: false,
    field: "recurrence",
    message: `The facilitator is already running “${clash.with}” then (${whenLabel(clash.at, input.timeZone)})`,
  };
}

/**
 * A facilitator's new series: the rule comes from the friendly builder, both
 * facilitators must be approved facilitators, and the lead must not be
 * double-booked. An advisory lock per facilitator settles two creations at once.
 */
export async function createSeries(
  db: Db,
  input: SeriesInput & { timeZone: string; now: Date },
): Promise<CreateSeriesResult> {
  const built = buildRule(input.recurrence);
  if (!built.ok) return { ok: false, field: built.field, message: built.message };

  const ids = [input.facilitatorId, ...(input.backupFacilitatorId ? [input.backupFacilitatorId] : [])];
  const facilitators = await db.person.findMany({
    where: { id: { in: ids }, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
    select: { id: true },
  });
  if (!facilitators.some((f) => f.id === input.facilitatorId))
    return { ok: false, field: "facilitatorId", message: "Choose an approved facilitator" };
  if (input.backupFacilitatorId && !facilitators.some((f) => f.id === input.backupFacilitatorId))
    return { ok: false, field: "backupFacilitatorId", message: "Choose an approved facilitator as backup" };

  return db.$transaction(async (tx) => {
    const clash = await lockAndCheckClash(tx, {
      leadId: input.facilitatorId,
      ...input,
      rule: built.rule,
      startsOnLocal: built.startsOnLocal,
    });
    if (clash) return clash;
    const series = await tx.dropInSeries.create({
      data: {
        title: input.title,
        theme: input.theme,
        description: input.description,
        language: input.language,
        capacity: input.capacity,
        roomStyle: input.roomStyle,
        durationMinutes: input.durationMinutes,
        rrule: built.rule,
        startsOnLocal: built.startsOnLocal,
        timeZone: input.timeZone,
        facilitatorId: input.facilitatorId,
        backupFacilitatorId: input.backupFacilitatorId ?? null,
      },
      select: { id: true },
    });
    const occurrences = await materializeOccurrences(tx, series.id, input.now);
    return { ok: true, seriesId: series.id, occurrences } as const;
  });
}

export type UpdateSeriesResult =
  | { ok: true; seriesId: string; added: number; removed: number; updated: number }
  | { ok: false; field: string; message: string }
  | { ok: false; reason: "not_found" | "forbidden" };

/**
 * Edits a series. Only sessions that have not started change: they take the
 * new details, and the new timing (sessions the new rule no longer produces
 * are removed, new ones are made). Sessions that started or finished keep
 * what they were. One-off changes stay: a moved or cancelled session keeps
 * its own time and status; a reassigned one keeps its facilitator.
 */
export async function updateSeries(
  db: Db,
  input: SeriesInput & {
    seriesId: string;
    byPersonId: string;
    isCoordinator: boolean;
    timeZone: string;
    now: Date;
  },
): Promise<UpdateSeriesResult> {
  const current = await db.dropInSeries.findUnique({
    where: { id: input.seriesId },
    select: { id: true, facilitatorId: true, backupFacilitatorId: true },
  });
  if (!current) return { ok: false, reason: "not_found" };
  const runs = [current.facilitatorId, current.backupFacilitatorId].includes(input.byPersonId);
  if (!runs && !input.isCoordinator) return { ok: false, reason: "forbidden" };
  const built = buildRule(input.recurrence);
  if (!built.ok) return { ok: false, field: built.field, message: built.message };
  // The lead stays the lead: handing a whole series over is a coordinator's job, not an edit.
  const leadId = current.facilitatorId;
  if (input.backupFacilitatorId) {
    if (input.backupFacilitatorId === leadId)
      return {
        ok: false,
        field: "backupFacilitatorId",
        message: "The backup must be someone other than the facilitator",
      };
    const backup = await db.person.findFirst({
      where: { id: input.backupFacilitatorId, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
      select: { id: true },
    });
    if (!backup)
      return { ok: false, field: "backupFacilitatorId", message: "Choose an approved facilitator as backup" };
  }

  return db.$transaction(async (tx) => {
    const clash = await lockAndCheckClash(tx, {
      leadId,
      excludeSeriesId: input.seriesId,
      ...input,
      rule: built.rule,
      startsOnLocal: built.startsOnLocal,
    });
    if (clash) return clash;
    const series = await tx.dropInSeries.update({
      where: { id: input.seriesId },
      data: {
        title: input.title,
        theme: input.theme,
        description: input.description,
        language: input.language,
        capacity: input.capacity,
        roomStyle: input.roomStyle,
        durationMinutes: input.durationMinutes,
        rrule: built.rule,
        startsOnLocal: built.startsOnLocal,
        timeZone: input.timeZone,
        backupFacilitatorId: input.backupFacilitatorId ?? null,
      },
    });
    const future = await tx.dropInOccurrence.findMany({
      where: { seriesId: series.id, startsAt: { gt: input.now } },
      select: { id: true, originalStart: true, startsAt: true },
    });
    const horizonEnd = new Date(input.now.getTime() + OCCURRENCE_HORIZON_DAYS * 86_400_000);
    const wanted = new Set(
      expandBetween(
        { rule: series.rrule, startsOnLocal: series.startsOnLocal, timeZone: series.timeZone },
        input.now,
        horizonEnd,
      ).map((o) => o.start.getTime()),
    );
    const moved = (o: (typeof future)[number]) => o.startsAt.getTime() !== o.originalStart.getTime();
    const stale = future.filter((o) => !wanted.has(o.originalStart.getTime()) && !moved(o)).map((o) => o.id);
    const keep = future.filter((o) => !stale.includes(o.id));
    if (stale.length > 0) await tx.dropInOccurrence.deleteMany({ where: { id: { in: stale } } });
    for (const o of keep) {
      await tx.dropInOccurrence.update({
        where: { id: o.id },
        data: {
          ...occurrenceDetails(series),
          endsAt: new Date(o.startsAt.getTime() + series.durationMinutes * 60_000),
        },
      });
    }
    const added = await materializeOccurrences(tx, series.id, input.now);
    await tx.auditEvent.create({
      data: {
        action: "series.update",
        actorPersonId: input.byPersonId,
        details: { seriesId: series.id, added, removed: stale.length, updated: keep.length },
      },
    });
    return { ok: true, seriesId: series.id, added, removed: stale.length, updated: keep.length } as const;
  });
}

export type CancelResult =
  | { ok: true; occurrenceId: string; roomEnded: boolean }
  | { ok: false; reason: "not_found" | "forbidden" | "already_cancelled" | "ended" };

/**
 * Cancels one occurrence; the rest of the series is untouched. If its room
 * is open, the room ends in the same transaction exactly as mod:end ends it
 * (`roomEnded`: the realtime nodes are then told, to take people out).
 */
export async function cancelOccurrence(
  db: Db,
  input: { occurrenceId: string; byPersonId: string; isCoordinator: boolean; now: Date },
): Promise<CancelResult> {
  const occ = await db.dropInOccurrence.findUnique({
    where: { id: input.occurrenceId },
    select: {
      id: true,
      status: true,
      endsAt: true,
      facilitatorId: true,
      series: { select: { facilitatorId: true, backupFacilitatorId: true } },
    },
  });
  if (!occ) return { ok: false, reason: "not_found" };
  const runs = [occ.facilitatorId, occ.series.facilitatorId, occ.series.backupFacilitatorId].includes(input.byPersonId);
  if (!runs && !input.isCoordinator) return { ok: false, reason: "forbidden" };
  if (occ.endsAt <= input.now) return { ok: false, reason: "ended" };
  return db.$transaction((tx) =>
    cancelOccurrenceIn(tx, { occurrenceId: occ.id, byPersonId: input.byPersonId, now: input.now }),
  );
}

/**
 * The cancellation itself, inside the caller's transaction (also used when a
 * departing facilitator's sessions are cancelled with their erasure): the
 * caller has already checked who may cancel.
 */
export async function cancelOccurrenceIn(
  tx: Prisma.TransactionClient,
  input: { occurrenceId: string; byPersonId: string | null; now: Date },
): Promise<CancelResult> {
  const updated = await tx.dropInOccurrence.updateMany({
    where: { id: input.occurrenceId, status: "SCHEDULED" },
    data: { status: "CANCELLED" },
  });
  if (updated.count === 0) return { ok: false, reason: "already_cancelled" } as const;
  await tx.auditEvent.create({
    data: {
      at: input.now,
      action: "occurrence.cancel",
      actorPersonId: input.byPersonId,
      details: { occurrenceId: input.occurrenceId },
    },
  });
  const roomEnded = await endLiveRoomIn(tx, input.occurrenceId, input.byPersonId);
  return { ok: true, occurrenceId: input.occurrenceId, roomEnded } as const;
}

export type ChangeOccurrenceResult =
  | { ok: true; occurrenceId: string }
  | {
      ok: false;
      reason:
        | "not_found"
        | "forbidden"
        | "ended"
        | "cancelled"
        | "in_the_past"
        | "too_far_ahead"
        | "not_a_facilitator"
        | "clash";
    };

async function loadForChange(db: Db, occurrenceId: string, byPersonId: string, isCoordinator: boolean, now: Date) {
  const occ = await db.dropInOccurrence.findUnique({
    where: { id: occurrenceId },
    select: {
      id: true,
      status: true,
      startsAt: true,
      endsAt: true,
      facilitatorId: true,
      series: { select: { facilitatorId: true, backupFacilitatorId: true } },
    },
  });
  if (!occ) return { ok: false, reason: "not_found" } as const;
  const runs = [occ.facilitatorId, occ.series.facilitatorId, occ.series.backupFacilitatorId].includes(byPersonId);
  if (!runs && !isCoordinator) return { ok: false, reason: "forbidden" } as const;
  if (occ.endsAt <= now) return { ok: false, reason: "ended" } as const;
  if (occ.status === "CANCELLED") return { ok: false, reason: "cancelled" } as const;
  return { ok: true, occ } as const;
}

/**
 * Moves one occurrence (the rest of the series is untouched; it keeps its
 * original start as identity, so re-materialising never duplicates it).
 */
export async function moveOccurrence(
  db: Db,
  input: { occurrenceId: string; startsAt: Date; byPersonId: string; isCoordinator: boolean; now: Date },
): Promise<ChangeOccurrenceResult> {
  const loaded = await loadForChange(db, input.occurrenceId, input.byPersonId, input.isCoordinator, input.now);
  if (!loaded.ok) return loaded;
  if (input.startsAt <= input.now) return { ok: false, reason: "in_the_past" };
  if (moveTooFarAhead(input.startsAt, input.now)) return { ok: false, reason: "too_far_ahead" };
  const length = loaded.occ.endsAt.getTime() - loaded.occ.startsAt.getTime();
  await db.dropInOccurrence.update({
    where: { id: loaded.occ.id },
    data: { startsAt: input.startsAt, endsAt: new Date(input.startsAt.getTime() + length) },
  });
  await db.auditEvent.create({
    data: {
      action: "occurrence.move",
      actorPersonId: input.byPersonId,
      details: { occurrenceId: loaded.occ.id, startsAt: input.startsAt.toISOString() },
    },
  });
  return { ok: true, occurrenceId: loaded.occ.id };
}

/** Gives one occurrence another facilitator, who must be free then. */
export async function reassignOccurrence(
  db: Db,
  input: { occurrenceId: string; facilitatorId: string; byPersonId: string; isCoordinator: boolean; now: Date },
): Promise<ChangeOccurrenceResult> {
  const loaded = await loadForChange(db, input.occurrenceId, input.byPersonId, input.isCoordinator, input.now);
  if (!loaded.ok) return loaded;
  const person = await db.person.findFirst({
    where: { id: input.facilitatorId, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
    select: { id: true },
  });
  if (!person) return { ok: false, reason: "not_a_facilitator" };
  const busy = await db.dropInOccurrence.count({
    where: {
      id: { not: loaded.occ.id },
      status: "SCHEDULED",
      startsAt: { lt: loaded.occ.endsAt },
      endsAt: { gt: loaded.occ.startsAt },
      OR: [
        { facilitatorId: input.facilitatorId },
        { facilitatorId: null, series: { facilitatorId: input.facilitatorId } },
      ],
    },
  });
  if (busy > 0) return { ok: false, reason: "clash" };
  await db.dropInOccurrence.update({ where: { id: loaded.occ.id }, data: { facilitatorId: input.facilitatorId } });
  await db.auditEvent.create({
    data: {
      action: "occurrence.reassign",
      actorPersonId: input.byPersonId,
      subjectPersonId: input.facilitatorId,
      details: { occurrenceId: loaded.occ.id },
    },
  });
  return { ok: true, occurrenceId: loaded.occ.id };
}

export type OpenRoomResult =
  | { ok: true; occurrenceId: string; alreadyOpen: boolean }
  | { ok: false; reason: "not_found" | "forbidden" | "cancelled" | "ended" | "too_early" };

/**
 * A facilitator opens the room: from the moment the lobby opens until the
 * end. The lead, the backup or whoever the occurrence was given to may open
 * it; whoever does becomes the facilitator workers see. Opening twice is fine.
 */
export async function openRoom(
  db: Db,
  input: { occurrenceId: string; byPersonId: string; now: Date },
): Promise<OpenRoomResult> {
  const occ = await db.dropInOccurrence.findUnique({
    where: { id: input.occurrenceId },
    select: {
      id: true,
      status: true,
      startsAt: true,
      endsAt: true,
      openedAt: true,
      facilitatorId: true,
      series: { select: { facilitatorId: true, backupFacilitatorId: true } },
    },
  });
  if (!occ) return { ok: false, reason: "not_found" };
  const runs = [occ.facilitatorId, occ.series.facilitatorId, occ.series.backupFacilitatorId].includes(input.byPersonId);
  if (!runs) return { ok: false, reason: "forbidden" };
  if (occ.status === "CANCELLED") return { ok: false, reason: "cancelled" };
  if (occ.endsAt <= input.now) return { ok: false, reason: "ended" };
  if (!isLobbyOpen(occ, input.now)) return { ok: false, reason: "too_early" };
  const updated = await db.dropInOccurrence.updateMany({
    where: { id: occ.id, openedAt: null, status: "SCHEDULED" },
    data: { openedAt: input.now, openedById: input.byPersonId, facilitatorId: input.byPersonId },
  });
  if (updated.count === 0) return { ok: true, occurrenceId: occ.id, alreadyOpen: true };
  await db.auditEvent.create({
    data: { action: "room.open", actorPersonId: input.byPersonId, details: { occurrenceId: occ.id } },
  });
  return { ok: true, occurrenceId: occ.id, alreadyOpen: false };
}
