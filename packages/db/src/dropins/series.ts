import { buildRule, firstClash, type SeriesInput } from "@offshift/core";
import type { Db } from "../client.js";
import { materializeOccurrences } from "./materialize.js";

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
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`series:${input.facilitatorId}`}))`;
    const existing = await tx.dropInSeries.findMany({
      where: { facilitatorId: input.facilitatorId },
      select: { title: true, rrule: true, startsOnLocal: true, timeZone: true, durationMinutes: true },
    });
    const clash = firstClash(
      {
        title: input.title,
        rule: built.rule,
        startsOnLocal: built.startsOnLocal,
        timeZone: input.timeZone,
        durationMinutes: input.durationMinutes,
      },
      existing.map((e) => ({
        title: e.title,
        rule: e.rrule,
        startsOnLocal: e.startsOnLocal,
        timeZone: e.timeZone,
        durationMinutes: e.durationMinutes,
      })),
      input.now,
    );
    if (clash) {
      return {
        ok: false,
        field: "recurrence",
        message: `The facilitator is already running “${clash.with}” then (${whenLabel(clash.at, input.timeZone)})`,
      } as const;
    }
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

export type CancelResult =
  { ok: true; occurrenceId: string } | { ok: false; reason: "not_found" | "forbidden" | "already_cancelled" | "ended" };

/** Cancels one occurrence; the rest of the series is untouched. */
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
  const updated = await db.dropInOccurrence.updateMany({
    where: { id: occ.id, status: "SCHEDULED" },
    data: { status: "CANCELLED" },
  });
  if (updated.count === 0) return { ok: false, reason: "already_cancelled" };
  await db.auditEvent.create({
    data: { action: "occurrence.cancel", actorPersonId: input.byPersonId, details: { occurrenceId: occ.id } },
  });
  return { ok: true, occurrenceId: occ.id };
}

export type ChangeOccurrenceResult =
  | { ok: true; occurrenceId: string }
  | {
      ok: false;
      reason: "not_found" | "forbidden" | "ended" | "cancelled" | "in_the_past" | "not_a_facilitator" | "clash";
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
