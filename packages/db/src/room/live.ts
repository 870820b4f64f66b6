import {
  applyRoomCommand,
  firstName,
  roomSnapshot,
  type RoomCommand,
  type RoomSnapshot,
  type LiveRoomState,
  guestChannel,
  personChannel,
} from "@offshift/core";
import { client, type Db, hotPathOf, poolOf, type Tx, type TxClient } from "../client.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { Queryable } from "../pipeline.js";
import {
  AUTO_END_AFTER_MINUTES,
  CHAT_BUFFER,
  prepared,
  roomCommand,
  type RoomActorIn,
  type RoomCommandResult,
  type RoomContext,
} from "./command.js";

export {
  AUTO_END_AFTER_MINUTES,
  CHAT_BUFFER,
  LiveRoomCache,
  readLiveRoomTruth,
  roomCommand,
  roomCommands,
  roomWriteCounts,
  type Authorised,
  type RoomActorIn,
  type RoomCommandItem,
  type RoomCommandResult,
  type RoomContext,
  type LiveRoomTruth,
} from "./command.js";

export async function loadRoomContext(handle: Db, occurrenceId: string): Promise<RoomContext | null> {
  const db = client(handle);
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

export type RoomRunResult = RoomCommandResult;

/**
 * One room command for a known actor (the realtime node authorises first
 * and calls `roomCommand` itself; this is that path with the actor given).
 */
export function runRoomCommand(
  handle: Db,
  input: {
    context: RoomContext;
    actor: RoomActorIn;
    command: RoomCommand;
    now: Date;
    maxMembers?: { count: number; message: string };
  },
): Promise<RoomRunResult> {
  const db = client(handle);
  return roomCommand(db, {
    occurrenceId: input.context.occurrenceId,
    command: input.command,
    now: input.now,
    ...(input.maxMembers ? { maxMembers: input.maxMembers } : {}),
    authorize: () => ({ ok: true, actor: input.actor }),
  });
}

async function saveEnded(tx: TxClient, occurrenceId: string, state: LiveRoomState, version: number, by: string | null) {
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

/**
 * Ends an occurrence's live room inside the caller's transaction, as mod:end
 * does: members out, side-chat and presence deleted, audited. Used when a
 * session is cancelled while people are in its room. Returns whether a room
 * was open (so the realtime nodes need telling).
 */
export async function endLiveRoomIn(txHandle: Tx, occurrenceId: string, byPersonId: string | null): Promise<boolean> {
  const tx = client(txHandle);
  const rows = await tx.$queryRaw<{ state: LiveRoomState; version: number }[]>`
    SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = ${occurrenceId}::uuid FOR NO KEY UPDATE`;
  const row = rows[0];
  if (!row || row.state.phase === "ended") return false;
  await saveEnded(tx, occurrenceId, row.state, row.version, byPersonId);
  return true;
}

/** Side-chat lines after `afterSeq` (the newest, at most the buffer), for a reconnecting client. */
export async function chatSince(db: Db, occurrenceId: string, afterSeq: number) {
  const { rows } = await hotPathOf(db).query<{ seq: number; memberId: string; name: string; text: string; at: Date }>(
    prepared(
      `SELECT * FROM (SELECT "seq", "memberId", "name", "text", "at" FROM "RoomChatLine"
         WHERE "occurrenceId" = $1::uuid AND "seq" > $2::int ORDER BY "seq" DESC LIMIT $3::int) AS newest
       ORDER BY "seq"`,
      [occurrenceId, afterSeq, CHAT_BUFFER],
    ),
  );
  return rows.map((l) => ({ seq: l.seq, from: l.memberId, name: l.name, text: l.text, at: l.at.getTime() }));
}

/** The current snapshot (for a client that syncs without changing anything). */
export async function readLiveRoom(db: Db, occurrenceId: string): Promise<RoomSnapshot | null> {
  const { rows } = await hotPathOf(db).query<{ state: LiveRoomState; version: number }>(
    `SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = $1::uuid`,
    [occurrenceId],
  );
  return rows[0] ? roomSnapshot(rows[0].state, rows[0].version) : null;
}

/** A member's socket is alive on this node (called on join and on every heartbeat). */
export async function touchRoomPresence(
  db: Db,
  input: { socketId: string; occurrenceId: string; memberId: string; nodeId: string; now: Date },
): Promise<void> {
  await hotPathOf(db).query(
    `INSERT INTO "RoomPresence" ("socketId", "occurrenceId", "memberId", "nodeId", "heartbeatAt")
     VALUES ($1, $2::uuid, $3, $4, $5)
     ON CONFLICT ("socketId") DO UPDATE SET "heartbeatAt" = EXCLUDED."heartbeatAt", "nodeId" = EXCLUDED."nodeId"`,
    [input.socketId, input.occurrenceId, input.memberId, input.nodeId, input.now],
  );
}

export async function dropRoomPresence(db: Db, socketId: string): Promise<void> {
  await hotPathOf(db).query(`DELETE FROM "RoomPresence" WHERE "socketId" = $1`, [socketId]);
}

/**
 * Presence rows in one room that another server vouched for: one (`socketId`),
 * or every one whose id starts with `prefix` (the audio server's room finished).
 */
export async function dropVouchedPresence(
  db: Db,
  input: { occurrenceId: string } & ({ socketId: string } | { prefix: string }),
): Promise<void> {
  if ("socketId" in input)
    await hotPathOf(db).query(`DELETE FROM "RoomPresence" WHERE "occurrenceId" = $1::uuid AND "socketId" = $2`, [
      input.occurrenceId,
      input.socketId,
    ]);
  else
    await hotPathOf(db).query(
      `DELETE FROM "RoomPresence" WHERE "occurrenceId" = $1::uuid AND starts_with("socketId", $2)`,
      [input.occurrenceId, input.prefix],
    );
}

/**
 * Presence rows another server vouches for (the audio server's participants):
 * those it still holds are refreshed, the others deleted, unless touched at or
 * after `listedAt` (a join reported while it was being asked). Returns the
 * members whose rows went, for dropAbsentMember.
 */
export async function reconcilePresenceRows(
  handle: Db,
  input: { occurrenceId: string; present: string[]; absent: string[]; listedAt: Date; now: Date },
): Promise<string[]> {
  const db = client(handle);
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
export async function presenceRowsLike(handle: Db, prefix: string): Promise<Map<string, string[]>> {
  const db = client(handle);
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
 * rather than at the reaper's next pass. Returns the new snapshot when they
 * were taken out, else null (see `takeOutAbsent`).
 */
export async function dropAbsentMember(
  db: Db,
  input: { occurrenceId: string; memberId: string; now: Date },
): Promise<RoomSnapshot | null> {
  return dropAbsentMembers(db, { occurrenceId: input.occurrenceId, memberIds: [input.memberId], now: input.now });
}

/** The same for several members of one room at once (a room's disconnects waiting for its turn): one change. */
export async function dropAbsentMembers(
  db: Db,
  input: { occurrenceId: string; memberIds: readonly string[]; now: Date },
): Promise<RoomSnapshot | null> {
  const ids = new Set(input.memberIds);
  return takeOutAbsent(hotPathOf(db), input.occurrenceId, input.now, (m) => ids.has(m.id));
}

/**
 * Takes the room's members that `absent` picks out, and that have no presence
 * row at the moment of the write, out of the room in one change. No lock is
 * held: the change is written only if the room is still at the version read
 * and none of them has a presence row (a reconnect's join writes its presence
 * with its own version change, so one of the two sees the other and decides
 * again); whoever turns out to be present keeps their seat and the rest are
 * decided again. Returns the new snapshot, or null when nobody was taken out.
 */
async function takeOutAbsent(
  pool: Queryable,
  occurrenceId: string,
  now: Date,
  absent: (m: LiveRoomState["members"][number]) => boolean,
): Promise<RoomSnapshot | null> {
  const staying = new Set<string>();
  for (let attempt = 0; attempt < 5; attempt++) {
    const { rows } = await pool.query<{ state: LiveRoomState; version: number }>(
      `SELECT "state", "version" FROM "LiveRoom" WHERE "occurrenceId" = $1::uuid`,
      [occurrenceId],
    );
    const row = rows[0];
    if (!row || row.state.phase === "ended") return null;
    let s = row.state;
    const gone: string[] = [];
    for (const m of row.state.members) {
      if (staying.has(m.id) || !absent(m)) continue;
      const r = applyRoomCommand(
        s,
        { id: m.id, name: m.name, facilitator: m.facilitator },
        { name: "room:leave", payload: {} },
        now.getTime(),
      );
      if (!r.ok) continue;
      s = r.state;
      gone.push(m.id);
    }
    if (gone.length === 0) return null;
    const written = await pool.query<{ present: string[]; written: boolean }>(
      `WITH present AS (
         SELECT COALESCE(array_agg(DISTINCT "memberId"), '{}') AS "ids" FROM "RoomPresence"
          WHERE "occurrenceId" = $1::uuid AND "memberId" = ANY($2::text[])
       ), up AS (
         UPDATE "LiveRoom" SET "state" = $3::jsonb, "version" = $4::int + 1, "updatedAt" = $5
         WHERE "occurrenceId" = $1::uuid AND "version" = $4::int AND cardinality((SELECT "ids" FROM present)) = 0
         RETURNING 1
       )
       SELECT (SELECT "ids" FROM present) AS "present", EXISTS (SELECT 1 FROM up) AS "written"`,
      [occurrenceId, gone, JSON.stringify(s), row.version, now],
    );
    const { present, written: done } = written.rows[0]!;
    if (done) return roomSnapshot(s, row.version + 1);
    // A socket or audio connection of theirs is alive: they keep the seat.
    for (const id of present) staying.add(id);
  }
  return null;
}

/**
 * Members with no live socket anywhere (every presence row older than
 * `staleMs`, or none) leave their rooms: a crashed node's clients either
 * reconnected elsewhere (fresh presence) or are gone. Returns the rooms that
 * changed, with their new snapshots to send. Plain statements, no lock held
 * (see `takeOutAbsent`): every node runs this every few seconds.
 */
export async function reapStaleMembers(
  handle: Db,
  now: Date,
  staleMs: number,
): Promise<{ occurrenceId: string; snapshot: RoomSnapshot }[]> {
  const cutoff = now.getTime() - staleMs;
  await poolOf(handle).query(`DELETE FROM "RoomPresence" WHERE "heartbeatAt" < $1`, [new Date(cutoff)]);
  // A first look in one statement: the rooms with a member who joined over `staleMs` ago and has no
  // presence row. Most rooms have nobody to take out, and reading them all every few seconds made the
  // node's busiest rooms wait.
  const { rows: rooms } = await poolOf(handle).query<{ occurrenceId: string }>(
    `SELECT DISTINCT r."occurrenceId" FROM "LiveRoom" r
       CROSS JOIN LATERAL jsonb_array_elements(r."state"->'members') AS m(member)
      WHERE r."state"->>'phase' <> 'ended'
        AND (m.member->>'joinedAt')::bigint < $1::bigint
        AND NOT EXISTS (SELECT 1 FROM "RoomPresence" p
                         WHERE p."occurrenceId" = r."occurrenceId" AND p."memberId" = m.member->>'id')`,
    [cutoff],
  );
  const changed: { occurrenceId: string; snapshot: RoomSnapshot }[] = [];
  for (const { occurrenceId } of rooms) {
    const snapshot = await takeOutAbsent(hotPathOf(handle), occurrenceId, now, (m) => m.joinedAt < cutoff);
    if (snapshot) changed.push({ occurrenceId, snapshot });
  }
  return changed;
}

/**
 * Who someone is in a room: a stable identity key (aliased per room by the
 * caller), the name others see (a first name or a nickname, never more), and
 * the person id for facilitator checks. Visitors, erased or suspended people
 * get null.
 */
/** Who a socket is in a live room: its identity key, the name others see, and the person behind it (null for a guest). */
export type RoomIdentity = { key: string; name: string; personId: string | null };

type RoomActor = { kind: "visitor" } | { kind: "guest"; guestId: string } | { kind: "person"; personId: string };

/**
 * The SQL that finds a socket's room identity, as two scalar subqueries on the
 * guest's or the person's id (`$guest`, `$person`: one of them null). Shared with
 * the handshake (people/tickets.ts), which reads it in the same statement that
 * consumes the ticket.
 */
export const ROOM_IDENTITY_COLUMNS = (guest: string, person: string) =>
  `(SELECT "nickname" FROM "Guest" WHERE "id" = ${guest}::uuid) AS "guestName",
   (SELECT "displayName" FROM "Person"
     WHERE "id" = ${person}::uuid AND "status" = 'APPROVED' AND "erasedAt" IS NULL) AS "personName"`;

export const roomIdentityParams = (actor: RoomActor): [string | null, string | null] => [
  actor.kind === "guest" ? actor.guestId : null,
  actor.kind === "person" ? actor.personId : null,
];

/** The identity from ROOM_IDENTITY_COLUMNS' row: null for a visitor, a forgotten guest or a person not (or no longer) approved. */
export function roomIdentityFrom(
  actor: RoomActor,
  row: { guestName: string | null; personName: string | null },
): RoomIdentity | null {
  if (actor.kind === "guest" && row.guestName !== null)
    return { key: guestChannel(actor.guestId), name: row.guestName, personId: null };
  if (actor.kind === "person" && row.personName !== null)
    return { key: personChannel(actor.personId), name: firstName(row.personName), personId: actor.personId };
  return null;
}

export async function roomIdentity(db: Db, actor: RoomActor): Promise<RoomIdentity | null> {
  // Once per socket, if its handshake did not read it already: plain SQL on the shared pool.
  if (actor.kind === "visitor") return null;
  const { rows } = await hotPathOf(db).query<{ guestName: string | null; personName: string | null }>(
    `SELECT ${ROOM_IDENTITY_COLUMNS("$1", "$2")}`,
    roomIdentityParams(actor),
  );
  return roomIdentityFrom(actor, rows[0]!);
}

/** Every presence row of this node is alive (one query per heartbeat, whatever the number of sockets). */
export async function heartbeatRoomNode(handle: Db, nodeId: string, now: Date): Promise<void> {
  await poolOf(handle).query(`UPDATE "RoomPresence" SET "heartbeatAt" = $2 WHERE "nodeId" = $1`, [nodeId, now]);
}

/**
 * Rooms nobody ended close AUTO_END_AFTER_MINUTES after their scheduled end:
 * members out, side-chat deleted. Returns the rooms closed now.
 */
export async function endOverdueRooms(handle: Db, now: Date): Promise<string[]> {
  const db = client(handle);
  const cutoff = new Date(now.getTime() - AUTO_END_AFTER_MINUTES * 60_000);
  // A first look in one plain statement (every node, every few seconds; most of the time there are none).
  const { rows: overdue } = await poolOf(handle).query<{ occurrenceId: string }>(
    `SELECT r."occurrenceId" FROM "LiveRoom" r JOIN "DropInOccurrence" o ON o."id" = r."occurrenceId"
      WHERE o."endsAt" < $1 AND r."state"->>'phase' IS DISTINCT FROM 'ended'`,
    [cutoff],
  );
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
