import {
  LOBBY_OPENS_MINUTES_BEFORE,
  buildRule,
  can,
  expandBetween,
  facilitatorsOf,
  firstClash,
  isLobbyOpen,
  moveTooFarAhead,
  refuse,
  type Actor,
  type Effect,
  type Refusal,
  type SeriesInput,
} from "@offshift/core";
import { client, type Client, type Db, type Tx, type TxClient } from "../client.js";
import { endLiveRoomIn } from "../room/live.js";
import { OCCURRENCE_HORIZON_DAYS, materializeOccurrences, occurrenceDetails } from "./materialize.js";
import { audit } from "../audit.js";

/** A refusal about one form field (the builder's rule, a facilitator, a clash): shown beside that field. */
export type SeriesFieldRefusal = Refusal<"invalid" | "clash"> & { field: string };

export type CreateSeriesResult =
  { ok: true; seriesId: string; occurrences: number; effects: Effect[] } | SeriesFieldRefusal;

/** The person behind an actor, for audit rows; a use case refuses anyone else before it writes. */
const personIdOf = (actor: Actor) => (actor.kind === "person" ? actor.personId : null);

const invalid = (field: string, message: string): SeriesFieldRefusal => ({
  ok: false,
  code: "invalid",
  field,
  message,
});

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
  tx: TxClient,
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
): Promise<SeriesFieldRefusal | null> {
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
    code: "clash",
    field: "recurrence",
    message: `The facilitator is already running “${clash.with}” then (${whenLabel(clash.at, input.timeZone)})`,
  };
}

/** The columns a series takes from the form and its built rule, on creation and on every edit (the lead aside). */
const seriesColumns = (input: SeriesInput & { timeZone: string }, built: { rule: string; startsOnLocal: string }) => ({
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
});

/**
 * A facilitator's new series: the rule comes from the friendly builder, both
 * facilitators must be approved facilitators, and the lead must not be
 * double-booked. An advisory lock per facilitator settles two creations at once.
 */
export async function createSeries(
  handle: Db,
  input: SeriesInput & { timeZone: string; now: Date },
): Promise<CreateSeriesResult> {
  const db = client(handle);
  const built = buildRule(input.recurrence);
  if (!built.ok) return invalid(built.field, built.message);

  const ids = [input.facilitatorId, ...(input.backupFacilitatorId ? [input.backupFacilitatorId] : [])];
  const facilitators = await db.person.findMany({
    where: { id: { in: ids }, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
    select: { id: true },
  });
  if (!facilitators.some((f) => f.id === input.facilitatorId))
    return invalid("facilitatorId", "Choose an approved facilitator");
  if (input.backupFacilitatorId && !facilitators.some((f) => f.id === input.backupFacilitatorId))
    return invalid("backupFacilitatorId", "Choose an approved facilitator as backup");

  return db.$transaction(async (tx) => {
    const clash = await lockAndCheckClash(tx, {
      leadId: input.facilitatorId,
      ...input,
      rule: built.rule,
      startsOnLocal: built.startsOnLocal,
    });
    if (clash) return clash;
    const series = await tx.dropInSeries.create({
      data: { ...seriesColumns(input, built), facilitatorId: input.facilitatorId },
      select: { id: true },
    });
    const occurrences = await materializeOccurrences(tx, series.id, input.now);
    const effects: Effect[] = [{ kind: "scheduleChanged", change: { seriesId: series.id, change: "created" } }];
    return { ok: true, seriesId: series.id, occurrences, effects } as const;
  });
}

export type UpdateSeriesResult =
  | { ok: true; seriesId: string; added: number; removed: number; updated: number; effects: Effect[] }
  | SeriesFieldRefusal
  | Refusal<"not_found" | "forbidden">;

const SERIES_NOT_FOUND = "We could not find that series.";
const SERIES_FORBIDDEN = "Only this series' facilitators or a coordinator can change it.";

/**
 * May this actor change this series? The series page asks before it shows the
 * form; `updateSeries` asks again itself.
 */
export function mayManageSeries(
  actor: Actor,
  series: { facilitatorId: string; backupFacilitatorId: string | null },
): boolean {
  return can(actor, "series.manage", { facilitatorIds: facilitatorsOf({ series }) });
}

/**
 * Edits a series. Only sessions that have not started change: they take the
 * new details, and the new timing (sessions the new rule no longer produces
 * are removed, new ones are made). Sessions that started or finished keep
 * what they were. One-off changes stay: a moved or cancelled session keeps
 * its own time and status; a reassigned one keeps its facilitator.
 */
export async function updateSeries(
  handle: Db,
  actor: Actor,
  input: SeriesInput & {
    seriesId: string;
    timeZone: string;
    now: Date;
  },
): Promise<UpdateSeriesResult> {
  const db = client(handle);
  const current = await db.dropInSeries.findUnique({
    where: { id: input.seriesId },
    select: { id: true, facilitatorId: true, backupFacilitatorId: true },
  });
  if (!current) return refuse("not_found", SERIES_NOT_FOUND);
  if (!mayManageSeries(actor, current)) return refuse("forbidden", SERIES_FORBIDDEN);
  const built = buildRule(input.recurrence);
  if (!built.ok) return invalid(built.field, built.message);
  // The lead stays the lead: handing a whole series over is a coordinator's job, not an edit.
  const leadId = current.facilitatorId;
  if (input.backupFacilitatorId) {
    if (input.backupFacilitatorId === leadId)
      return invalid("backupFacilitatorId", "The backup must be someone other than the facilitator");
    const backup = await db.person.findFirst({
      where: { id: input.backupFacilitatorId, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
      select: { id: true },
    });
    if (!backup) return invalid("backupFacilitatorId", "Choose an approved facilitator as backup");
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
      data: seriesColumns(input, built),
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
        actorPersonId: personIdOf(actor),
        details: { seriesId: series.id, added, removed: stale.length, updated: keep.length },
      },
    });
    const effects: Effect[] = [{ kind: "scheduleChanged", change: { seriesId: series.id, change: "updated" } }];
    return { ok: true, seriesId: series.id, added, removed: stale.length, updated: keep.length, effects } as const;
  });
}

/** A refusal about one occurrence, in the words its page shows. */
const occurrenceRefusals = {
  not_found: "That session could not be found.",
  forbidden: "Only the session's facilitators or a coordinator can change it.",
  already_cancelled: "That session was already cancelled.",
  ended: "That session has already finished.",
  cancelled: "That session has been cancelled.",
  in_the_past: "Choose a time that is still to come.",
  too_far_ahead: "Choose a date within the next year.",
  not_a_facilitator: "Choose an approved facilitator.",
  clash: "That facilitator is already running a session then.",
} as const;
type OccurrenceRefusalCode = keyof typeof occurrenceRefusals;
const refuseOccurrence = <C extends OccurrenceRefusalCode>(code: C): Refusal<C> =>
  refuse(code, occurrenceRefusals[code]);

export type CancelOccurrenceResult =
  | { ok: true; occurrenceId: string; roomEnded: boolean; effects: Effect[] }
  | Refusal<"not_found" | "forbidden" | "already_cancelled" | "ended">;

/**
 * Loads an occurrence with who runs it, and refuses unless the actor may
 * change it (its facilitators or a coordinator) and it has not finished.
 */
async function loadForChange(db: Client, actor: Actor, occurrenceId: string, now: Date) {
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
  if (!occ) return refuseOccurrence("not_found");
  if (!can(actor, "series.manage", { facilitatorIds: facilitatorsOf(occ) })) return refuseOccurrence("forbidden");
  if (occ.endsAt <= now) return refuseOccurrence("ended");
  return { ok: true, occ } as const;
}

/**
 * Cancels one occurrence; the rest of the series is untouched. If its room
 * is open, the room ends in the same transaction exactly as mod:end ends it
 * (`roomEnded`: the realtime nodes are then told, to take people out).
 */
export async function cancelOccurrence(
  handle: Db,
  actor: Actor,
  input: { occurrenceId: string; now: Date },
): Promise<CancelOccurrenceResult> {
  const db = client(handle);
  const loaded = await loadForChange(db, actor, input.occurrenceId, input.now);
  if (!loaded.ok) return loaded;
  return db.$transaction((tx) =>
    cancelOccurrenceIn(tx, { occurrenceId: loaded.occ.id, byPersonId: personIdOf(actor), now: input.now }),
  );
}

/**
 * The cancellation itself, inside the caller's transaction (also used when a
 * departing facilitator's sessions are cancelled with their erasure): the
 * caller has already checked who may cancel.
 */
export async function cancelOccurrenceIn(
  txHandle: Tx,
  input: { occurrenceId: string; byPersonId: string | null; now: Date },
): Promise<CancelOccurrenceResult> {
  const tx = client(txHandle);
  const updated = await tx.dropInOccurrence.updateMany({
    where: { id: input.occurrenceId, status: "SCHEDULED" },
    data: { status: "CANCELLED" },
  });
  if (updated.count === 0) return refuseOccurrence("already_cancelled");
  await audit(tx, {
    at: input.now,
    action: "occurrence.cancel",
    by: input.byPersonId,
    details: { occurrenceId: input.occurrenceId },
  });
  const roomEnded = await endLiveRoomIn(tx, input.occurrenceId, input.byPersonId);
  const effects: Effect[] = [
    ...(roomEnded ? [{ kind: "roomCancelled", occurrenceId: input.occurrenceId } as const] : []),
    { kind: "scheduleChanged", change: { occurrenceId: input.occurrenceId, change: "cancelled" } },
  ];
  return { ok: true, occurrenceId: input.occurrenceId, roomEnded, effects } as const;
}

export type ChangeOccurrenceResult =
  | { ok: true; occurrenceId: string; effects: Effect[] }
  | Refusal<
      | "not_found"
      | "forbidden"
      | "ended"
      | "cancelled"
      | "in_the_past"
      | "too_far_ahead"
      | "not_a_facilitator"
      | "clash"
    >;

const changed = (occurrenceId: string, change: "moved" | "reassigned"): ChangeOccurrenceResult => ({
  ok: true,
  occurrenceId,
  effects: [{ kind: "scheduleChanged", change: { occurrenceId, change } }],
});

/**
 * Moves one occurrence (the rest of the series is untouched; it keeps its
 * original start as identity, so re-materialising never duplicates it).
 */
export async function moveOccurrence(
  handle: Db,
  actor: Actor,
  input: { occurrenceId: string; startsAt: Date; now: Date },
): Promise<ChangeOccurrenceResult> {
  const db = client(handle);
  const loaded = await loadForChange(db, actor, input.occurrenceId, input.now);
  if (!loaded.ok) return loaded;
  if (loaded.occ.status === "CANCELLED") return refuseOccurrence("cancelled");
  if (input.startsAt <= input.now) return refuseOccurrence("in_the_past");
  if (moveTooFarAhead(input.startsAt, input.now)) return refuseOccurrence("too_far_ahead");
  const length = loaded.occ.endsAt.getTime() - loaded.occ.startsAt.getTime();
  await db.dropInOccurrence.update({
    where: { id: loaded.occ.id },
    data: { startsAt: input.startsAt, endsAt: new Date(input.startsAt.getTime() + length) },
  });
  await db.auditEvent.create({
    data: {
      action: "occurrence.move",
      actorPersonId: personIdOf(actor),
      details: { occurrenceId: loaded.occ.id, startsAt: input.startsAt.toISOString() },
    },
  });
  return changed(loaded.occ.id, "moved");
}

/** Gives one occurrence another facilitator, who must be free then. */
export async function reassignOccurrence(
  handle: Db,
  actor: Actor,
  input: { occurrenceId: string; facilitatorId: string; now: Date },
): Promise<ChangeOccurrenceResult> {
  const db = client(handle);
  const loaded = await loadForChange(db, actor, input.occurrenceId, input.now);
  if (!loaded.ok) return loaded;
  if (loaded.occ.status === "CANCELLED") return refuseOccurrence("cancelled");
  const person = await db.person.findFirst({
    where: { id: input.facilitatorId, status: "APPROVED", roles: { has: "FACILITATOR" }, erasedAt: null },
    select: { id: true },
  });
  if (!person) return refuseOccurrence("not_a_facilitator");
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
  if (busy > 0) return refuseOccurrence("clash");
  await db.dropInOccurrence.update({ where: { id: loaded.occ.id }, data: { facilitatorId: input.facilitatorId } });
  await db.auditEvent.create({
    data: {
      action: "occurrence.reassign",
      actorPersonId: personIdOf(actor),
      subjectPersonId: input.facilitatorId,
      details: { occurrenceId: loaded.occ.id },
    },
  });
  return changed(loaded.occ.id, "reassigned");
}

const openRoomRefusals = {
  not_found: "We could not find that session.",
  forbidden: "Only this session's facilitators can open the room.",
  cancelled: "This session has been cancelled.",
  ended: "This session has finished.",
  too_early: `The room can be opened from ${LOBBY_OPENS_MINUTES_BEFORE} minutes before the start.`,
} as const;

export type OpenRoomResult =
  { ok: true; occurrenceId: string; alreadyOpen: boolean; effects: Effect[] } | Refusal<keyof typeof openRoomRefusals>;

/**
 * A facilitator opens the room: from the moment the lobby opens until the
 * end. The lead, the backup or whoever the occurrence was given to may open
 * it (`room.open`); whoever does becomes the facilitator workers see. Opening
 * twice is fine.
 */
export async function openRoom(
  handle: Db,
  actor: Actor,
  input: { occurrenceId: string; now: Date },
): Promise<OpenRoomResult> {
  const db = client(handle);
  const no = (code: keyof typeof openRoomRefusals) => refuse(code, openRoomRefusals[code]);
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
  if (!occ) return no("not_found");
  const byPersonId = personIdOf(actor);
  if (!byPersonId || !can(actor, "room.open", { facilitatorIds: facilitatorsOf(occ) })) return no("forbidden");
  if (occ.status === "CANCELLED") return no("cancelled");
  if (occ.endsAt <= input.now) return no("ended");
  if (!isLobbyOpen(occ, input.now)) return no("too_early");
  const updated = await db.dropInOccurrence.updateMany({
    where: { id: occ.id, openedAt: null, status: "SCHEDULED" },
    data: { openedAt: input.now, openedById: byPersonId, facilitatorId: byPersonId },
  });
  if (updated.count === 0) return { ok: true, occurrenceId: occ.id, alreadyOpen: true, effects: [] };
  await db.auditEvent.create({
    data: { action: "room.open", actorPersonId: byPersonId, details: { occurrenceId: occ.id } },
  });
  const effects: Effect[] = [{ kind: "scheduleChanged", change: { occurrenceId: occ.id, change: "opened" } }];
  return { ok: true, occurrenceId: occ.id, alreadyOpen: false, effects };
}
