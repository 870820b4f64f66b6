import {
  applyRoomCommand,
  firstName,
  emptyRoom,
  isLobbyOpen,
  roomSnapshot,
  roomState,
  type RoomActor,
  type RoomCommand,
  type RoomEffect,
  type RoomError,
  type RoomSnapshot,
  type LiveRoomState,
} from "@offshift/core";
import type { Db } from "../client.js";
import type { Prisma } from "../generated/prisma/client.js";

/** Side-chat lines kept for replay to reconnecting clients. */
export const CHAT_BUFFER = 100;
/** A room nobody ended closes this long after its scheduled end. */
export const AUTO_END_AFTER_MINUTES = 15;

type Tx = Prisma.TransactionClient;

const NOT_RUNNING_MESSAGE = "The facilitator couldn't make it, so this session isn't going ahead. Sorry.";

/** What the socket layer needs to authorise an event before running it. */
export interface RoomContext {
  occurrenceId: string;
  /** People who run this session: the occurrence's facilitator, the series lead and backup. */
  facilitatorIds: string[];
  capacity: number;
  startsAt: Date;
  endsAt: Date;
  cancelled: boolean;
  openedAt: Date | null;
}

export async function loadRoomContext(db: Db, occurrenceId: string): Promise<RoomContext | null> {
  const occ = await db.dropInOccurrence.findUnique({
    where: { id: occurrenceId },
    select: {
      id: true,
      capacity: true,
      startsAt: true,
      endsAt: true,
      status: true,
      openedAt: true,
      facilitatorId: true,
      series: { select: { facilitatorId: true, backupFacilitatorId: true } },
    },
  });
  if (!occ) return null;
  return {
    occurrenceId: occ.id,
    facilitatorIds: [occ.facilitatorId, occ.series.facilitatorId, occ.series.backupFacilitatorId].filter(
      (id): id is string => !!id,
    ),
    capacity: occ.capacity,
    startsAt: occ.startsAt,
    endsAt: occ.endsAt,
    cancelled: occ.status === "CANCELLED",
    openedAt: occ.openedAt,
  };
}

export type RoomRunResult =
  { ok: true; snapshot: RoomSnapshot; effects: RoomEffect[]; changed: boolean } | { ok: false; error: RoomError };

const refuse = (code: RoomError["code"], message: string): RoomRunResult => ({ ok: false, error: { code, message } });

/**
 * Runs one room command against the authoritative state in PostgreSQL: the
 * room row is locked, core's pure rules decide, the new state and its side
 * effects (chat line, removal audit, safeguarding flag, end) are written in
 * the same transaction. Two nodes or two clicks at once are serialised by
 * the row lock; a refusal writes nothing.
 */
export async function runRoomCommand(
  db: Db,
  input: {
    context: RoomContext;
    actor: RoomActor & { personId: string | null };
    command: RoomCommand;
    now: Date;
    /**
     * Most members (facilitators included) the room's audio can carry: the
     * embedded mesh's cap. Core keeps places in it for facilitators; a worker's
     * join beyond the rest is refused as `full` with this message.
     */
    maxMembers?: { count: number; message: string };
  },
): Promise<RoomRunResult> {
  const { context: ctx, actor, command, now } = input;
  if (ctx.cancelled) return refuse("cancelled", "This session has been cancelled, so the room will not open. Sorry.");
  const late = now.getTime() > ctx.endsAt.getTime() + AUTO_END_AFTER_MINUTES * 60_000;
  if (command.name === "room:join" && !late && !isLobbyOpen(ctx, now))
    return refuse("not_open", "The lobby opens 10 minutes before the start.");
  if (command.name === "mod:open" && !isLobbyOpen(ctx, now))
    return refuse("not_open", "The room can be opened from 10 minutes before the start until the end.");

  return db.$transaction(async (tx) => {
    let { state, version } = await lockRoom(tx, ctx, now);
    if (late && state.phase !== "ended") {
      // Nobody ended it: close it now, as if the facilitator had.
      ({ state, version } = await saveEnded(tx, ctx.occurrenceId, state, version, null));
    }
    // Past the grace period and never opened: workers are told it is not going ahead, never seated in a
    // lobby that will not open (a facilitator may still come in and open it).
    const unopened = state.phase === "lobby" && roomState(ctx, now) === "not-running";
    if (command.name === "room:join" && !actor.facilitator && unopened)
      return { ok: false, error: { code: "not_running", message: NOT_RUNNING_MESSAGE } } as const;
    const cap = input.maxMembers;
    // The audio's cap is core's rule: facilitators always get in, workers fill what is left beside the places kept for them.
    const result = applyRoomCommand(state, actor, command, now.getTime(), {
      ...(cap ? { audio: { maxMembers: cap.count, fullMessage: cap.message } } : {}),
    });
    if (!result.ok) return { ok: false, error: result.error } as const;
    const changed = JSON.stringify(result.state) !== JSON.stringify(state);
    if (!changed && result.effects.length === 0)
      return { ok: true, snapshot: roomSnapshot(state, version), effects: [], changed: false } as const;

    for (const effect of result.effects) await applyEffect(tx, ctx, actor, effect, now);
    if (command.name === "mod:open" && !ctx.openedAt) {
      await tx.dropInOccurrence.updateMany({
        where: { id: ctx.occurrenceId, openedAt: null },
        data: { openedAt: now, openedById: actor.personId, facilitatorId: actor.personId ?? undefined },
      });
    }
    const next = version + 1;
    await tx.liveRoom.update({
      where: { occurrenceId: ctx.occurrenceId },
      data: { state: result.state as unknown as Prisma.InputJsonValue, version: next },
    });
    return { ok: true, snapshot: roomSnapshot(result.state, next), effects: result.effects, changed: true } as const;
  });
}

/** Loads (creating if needed) and locks the room row for this transaction. */
async function lockRoom(tx: Tx, ctx: RoomContext, now: Date): Promise<{ state: LiveRoomState; version: number }> {
  // FOR NO KEY UPDATE: the state changes, the key never does, so presence and
  // chat rows that reference the room need not wait for this lock.
  const select = () => tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
    SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${ctx.occurrenceId}::uuid FOR NO KEY UPDATE`;
  let rows = await select();
  if (rows.length === 0) {
    // First command for this room: create it (two first commands at once are settled by the key).
    const initial = emptyRoom(ctx.occurrenceId, ctx.capacity, ctx.openedAt ? "live" : "lobby");
    await tx.$executeRaw`
      INSERT INTO "LiveRoom" ("occurrenceId", "state", "version", "updatedAt")
      VALUES (${ctx.occurrenceId}::uuid, ${JSON.stringify(initial)}::jsonb, 0, ${now})
      ON CONFLICT ("occurrenceId") DO NOTHING`;
    rows = await select();
  }
  const row = rows[0]!;
  // The occurrence may have been opened by the page's "Open the room" button.
  const state = ctx.openedAt && row.state.phase === "lobby" ? { ...row.state, phase: "live" as const } : row.state;
  return { state, version: row.version };
}

async function saveEnded(tx: Tx, occurrenceId: string, state: LiveRoomState, version: number, by: string | null) {
  const ended: LiveRoomState = { ...state, phase: "ended", members: [], hands: [], locked: false };
  await tx.roomChatLine.deleteMany({ where: { occurrenceId } });
  await tx.roomPresence.deleteMany({ where: { occurrenceId } });
  await tx.liveRoom.update({
    where: { occurrenceId },
    data: { state: ended as unknown as Prisma.InputJsonValue, version: version + 1 },
  });
  await tx.auditEvent.create({ data: { action: "room.end", actorPersonId: by, details: { occurrenceId } } });
  return { state: ended, version: version + 1 };
}

async function applyEffect(
  tx: Tx,
  ctx: RoomContext,
  actor: RoomActor & { personId: string | null },
  effect: RoomEffect,
  now: Date,
): Promise<void> {
  const occurrenceId = ctx.occurrenceId;
  switch (effect.kind) {
    case "chat":
      await tx.roomChatLine.create({
        data: {
          occurrenceId,
          seq: effect.seq,
          memberId: effect.from,
          name: effect.name.slice(0, 40),
          text: effect.text,
          at: new Date(effect.at),
        },
      });
      await tx.roomChatLine.deleteMany({ where: { occurrenceId, seq: { lte: effect.seq - CHAT_BUFFER } } });
      return;
    case "removed":
      await tx.roomPresence.deleteMany({ where: { occurrenceId, memberId: effect.memberId } });
      await tx.auditEvent.create({
        data: {
          action: "room.remove",
          actorPersonId: actor.personId,
          details: { occurrenceId, member: effect.memberId },
        },
      });
      return;
    case "muted":
      await tx.auditEvent.create({
        data: {
          action: "room.mute",
          actorPersonId: actor.personId,
          details: { occurrenceId, member: effect.memberId },
        },
      });
      return;
    case "ended":
      await tx.roomChatLine.deleteMany({ where: { occurrenceId } });
      await tx.roomPresence.deleteMany({ where: { occurrenceId } });
      await tx.auditEvent.create({
        data: { action: "room.end", actorPersonId: actor.personId, details: { occurrenceId } },
      });
      return;
    case "flag":
      if (!actor.personId) return;
      await tx.safeguardingFlag.create({
        data: {
          occurrenceId,
          byPersonId: actor.personId,
          category: effect.category,
          subjectKey: effect.subjectId,
          createdAt: now,
        },
      });
      await tx.auditEvent.create({
        data: {
          action: "safeguarding.flag",
          actorPersonId: actor.personId,
          details: { occurrenceId, category: effect.category, member: effect.subjectId },
        },
      });
      return;
  }
}

/**
 * Ends an occurrence's live room inside the caller's transaction, as mod:end
 * does: members out, side-chat and presence deleted, audited. Used when a
 * session is cancelled while people are in its room. Returns whether a room
 * was open (so the realtime nodes need telling).
 */
export async function endLiveRoomIn(tx: Tx, occurrenceId: string, byPersonId: string | null): Promise<boolean> {
  const rows = await tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
    SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${occurrenceId}::uuid FOR NO KEY UPDATE`;
  const row = rows[0];
  if (!row || row.state.phase === "ended") return false;
  await saveEnded(tx, occurrenceId, row.state, row.version, byPersonId);
  return true;
}

/** Side-chat lines after `afterSeq` (at most the buffer), for a reconnecting client. */
export async function chatSince(db: Db, occurrenceId: string, afterSeq: number) {
  const lines = await db.roomChatLine.findMany({
    where: { occurrenceId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: CHAT_BUFFER,
  });
  return lines.map((l) => ({ seq: l.seq, from: l.memberId, name: l.name, text: l.text, at: l.at.getTime() }));
}

/** The current snapshot (for a client that syncs without changing anything). */
export async function readRoom(db: Db, occurrenceId: string): Promise<RoomSnapshot | null> {
  const row = await db.liveRoom.findUnique({ where: { occurrenceId } });
  return row ? roomSnapshot(row.state as unknown as LiveRoomState, row.version) : null;
}

/** A member's socket is alive on this node (called on join and on every heartbeat). */
export async function touchPresence(
  db: Db,
  input: { socketId: string; occurrenceId: string; memberId: string; nodeId: string; now: Date },
): Promise<void> {
  const { now, ...row } = input;
  await db.roomPresence.upsert({
    where: { socketId: row.socketId },
    create: { ...row, heartbeatAt: now },
    update: { heartbeatAt: now, nodeId: row.nodeId },
  });
}

export async function dropPresence(db: Db, socketId: string): Promise<void> {
  await db.roomPresence.deleteMany({ where: { socketId } });
}

/**
 * Presence rows another server vouches for (the audio server's participants):
 * those it still holds are refreshed, the others deleted, unless touched at or
 * after `listedAt` (a join reported while it was being asked). Returns the
 * members whose rows went, for dropAbsentMember.
 */
export async function reconcilePresenceRows(
  db: Db,
  input: { occurrenceId: string; present: string[]; absent: string[]; listedAt: Date; now: Date },
): Promise<string[]> {
  return db.$transaction(async (tx) => {
    if (input.present.length > 0)
      await tx.roomPresence.updateMany({
        where: { occurrenceId: input.occurrenceId, socketId: { in: input.present } },
        data: { heartbeatAt: input.now },
      });
    if (input.absent.length === 0) return [];
    const where = {
      occurrenceId: input.occurrenceId,
      socketId: { in: input.absent },
      heartbeatAt: { lt: input.listedAt },
    };
    const gone = await tx.roomPresence.findMany({ where, select: { memberId: true } });
    await tx.roomPresence.deleteMany({ where });
    return [...new Set(gone.map((g) => g.memberId))];
  });
}

/** Presence rows of one kind (a socket id prefix), by room: what the audio server is asked about. */
export async function presenceRowsLike(db: Db, prefix: string): Promise<Map<string, string[]>> {
  const rows = await db.roomPresence.findMany({
    where: { socketId: { startsWith: prefix } },
    select: { occurrenceId: true, socketId: true },
  });
  const byRoom = new Map<string, string[]>();
  for (const r of rows) byRoom.set(r.occurrenceId, [...(byRoom.get(r.occurrenceId) ?? []), r.socketId]);
  return byRoom;
}

/**
 * A member whose every connection just went (their audio server's
 * participant_left, their last socket's disconnect) leaves the room now,
 * rather than at the reaper's next pass: presence is read under the room
 * lock, so a socket or audio connection that is still alive keeps the seat.
 * Returns the new snapshot when they were taken out, else null.
 */
export async function dropAbsentMember(
  db: Db,
  input: { occurrenceId: string; memberId: string; now: Date },
): Promise<RoomSnapshot | null> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
      SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${input.occurrenceId}::uuid FOR NO KEY UPDATE`;
    const row = rows[0];
    const m = row?.state.members.find((x) => x.id === input.memberId);
    if (!row || !m || row.state.phase === "ended") return null;
    const present = await tx.roomPresence.count({
      where: { occurrenceId: input.occurrenceId, memberId: input.memberId },
    });
    if (present > 0) return null;
    const r = applyRoomCommand(
      row.state,
      { id: m.id, name: m.name, facilitator: m.facilitator },
      { name: "room:leave", payload: {} },
      input.now.getTime(),
    );
    if (!r.ok) return null;
    await tx.liveRoom.update({
      where: { occurrenceId: input.occurrenceId },
      data: { state: r.state as unknown as Prisma.InputJsonValue, version: row.version + 1 },
    });
    return roomSnapshot(r.state, row.version + 1);
  });
}

/**
 * Members with no live socket anywhere (every presence row older than
 * `staleMs`, or none) leave their rooms: a crashed node's clients either
 * reconnected elsewhere (fresh presence) or are gone. Returns the rooms that
 * changed so their new snapshots can be sent.
 */
export async function reapStaleMembers(db: Db, now: Date, staleMs: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - staleMs);
  await db.roomPresence.deleteMany({ where: { heartbeatAt: { lt: cutoff } } });
  const rooms = await db.liveRoom.findMany({ select: { occurrenceId: true, state: true } });
  const changed: string[] = [];
  for (const room of rooms) {
    const quick = room.state as unknown as LiveRoomState;
    if (quick.phase === "ended" || quick.members.length === 0) continue;
    // A first look without the lock: most rooms have nobody to take out, and
    // locking them all every few seconds would queue everyone's commands.
    const seen = new Set(
      (await db.roomPresence.findMany({ where: { occurrenceId: room.occurrenceId }, select: { memberId: true } })).map(
        (p) => p.memberId,
      ),
    );
    if (quick.members.every((m) => seen.has(m.id) || now.getTime() - m.joinedAt <= staleMs)) continue;
    const left = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
        SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${room.occurrenceId}::uuid FOR NO KEY UPDATE`;
      // Presence is read under the room lock: someone who just reconnected stays.
      const present = new Set(
        (
          await tx.roomPresence.findMany({ where: { occurrenceId: room.occurrenceId }, select: { memberId: true } })
        ).map((p) => p.memberId),
      );
      let s = rows[0]!.state;
      const gone = s.members.filter((m) => !present.has(m.id) && now.getTime() - m.joinedAt > staleMs);
      if (gone.length === 0) return false;
      for (const m of gone) {
        const r = applyRoomCommand(
          s,
          { id: m.id, name: m.name, facilitator: m.facilitator },
          { name: "room:leave", payload: {} },
          now.getTime(),
        );
        if (r.ok) s = r.state;
      }
      await tx.liveRoom.update({
        where: { occurrenceId: room.occurrenceId },
        data: { state: s as unknown as Prisma.InputJsonValue, version: rows[0]!.version + 1 },
      });
      return true;
    });
    if (left) changed.push(room.occurrenceId);
  }
  return changed;
}

/**
 * Who someone is in a room: a stable identity key (aliased per room by the
 * caller), the name others see (a first name or a nickname, never more), and
 * the person id for facilitator checks. Visitors, erased or suspended people
 * get null.
 */
export async function roomIdentity(
  db: Db,
  actor: { kind: "visitor" } | { kind: "guest"; guestId: string } | { kind: "person"; personId: string },
): Promise<{ key: string; name: string; personId: string | null } | null> {
  if (actor.kind === "guest") {
    const guest = await db.guest.findUnique({ where: { id: actor.guestId }, select: { id: true, nickname: true } });
    return guest ? { key: `guest:${guest.id}`, name: guest.nickname, personId: null } : null;
  }
  if (actor.kind === "person") {
    const person = await db.person.findFirst({
      where: { id: actor.personId, status: "APPROVED", erasedAt: null },
      select: { id: true, displayName: true },
    });
    return person ? { key: `person:${person.id}`, name: firstName(person.displayName), personId: person.id } : null;
  }
  return null;
}

/** Every presence row of this node is alive (one query per heartbeat, whatever the number of sockets). */
export async function heartbeatNode(db: Db, nodeId: string, now: Date): Promise<void> {
  await db.roomPresence.updateMany({ where: { nodeId }, data: { heartbeatAt: now } });
}

/**
 * Rooms nobody ended close AUTO_END_AFTER_MINUTES after their scheduled end:
 * members out, side-chat deleted. Returns the rooms closed now.
 */
export async function endOverdueRooms(db: Db, now: Date): Promise<string[]> {
  const cutoff = new Date(now.getTime() - AUTO_END_AFTER_MINUTES * 60_000);
  const overdue = await db.liveRoom.findMany({
    where: { occurrence: { endsAt: { lt: cutoff } }, NOT: { state: { path: ["phase"], equals: "ended" } } },
    select: { occurrenceId: true },
  });
  const closed: string[] = [];
  for (const { occurrenceId } of overdue) {
    const done = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
        SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${occurrenceId}::uuid FOR NO KEY UPDATE`;
      const row = rows[0];
      if (!row || row.state.phase === "ended") return false;
      await saveEnded(tx, occurrenceId, row.state, row.version, null);
      return true;
    });
    if (done) closed.push(occurrenceId);
  }
  return closed;
}
