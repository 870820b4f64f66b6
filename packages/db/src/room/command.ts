import {
  BUSY_MESSAGE,
  applyRoomCommand,
  emptyRoom,
  isLobbyOpen,
  roomSnapshot,
  lobbyStatus,
  sameJson,
  type LiveRoomState,
  type RoomActor,
  type RoomCommand,
  type RoomEffect,
  type RoomError,
  type RoomSnapshot,
} from "@offshift/core";
import { createHash } from "node:crypto";
import type pg from "pg";
import { hotPathOf, type Db } from "../client.js";
import { Pipelines, type Queryable } from "../pipeline.js";

/**
 * The live room's hot path: one command, one round trip to PostgreSQL in the
 * common case. PostgreSQL stays the truth (a SIGKILL loses nothing that was
 * acknowledged); what the node keeps is a hint, checked on every write:
 *
 * - the room's context (the occurrence and who runs it) and state are cached
 *   per node after the first read;
 * - core's rules decide against the cached state, and the change is written
 *   with one statement that succeeds only if the room is still at the version
 *   decided on and the occurrence still reads as it did (its fingerprint):
 *   side effects (the chat line, presence, audit, safeguarding flag) are
 *   data-modifying CTEs of that same statement, so they happen with it or not
 *   at all;
 * - anything else (another node, the reaper, a cancellation, the page's
 *   "Open the room") shows as zero rows written: the room is read again and
 *   the command decided again. A refusal or a no-change answer decided from
 *   the cache is decided again from a fresh read before it is given.
 *
 * No lock is held across a round trip, so two nodes stay correct without
 * waiting on each other; commands for one room are serialised on a node by
 * the realtime gate, so conflicts only come from outside the node. The
 * everyday writes of many rooms share a statement (`RoomWrites`, at the end).
 */

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

/** A room as read in one round trip: its context, state and version, and the occurrence's fingerprint. */
export interface LiveRoomTruth {
  context: RoomContext;
  state: LiveRoomState;
  version: number;
  /** Whether the room has a row yet (a room nobody has joined has none). */
  stored: boolean;
  fingerprint: string;
}

/** Side-chat lines kept for replay to reconnecting clients. */
export const CHAT_BUFFER = 100;
/** A room nobody ended closes this long after its scheduled end. */
export const AUTO_END_AFTER_MINUTES = 15;
/**
 * Reads and tries again at most this often before answering busy. On a node
 * the gate serialises a room's commands, so only other nodes' writes (or the
 * reaper's) can make one lose; each loss waits a little longer, at random, so
 * that racers spread out.
 */
const ATTEMPTS = 12;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

const NOT_RUNNING_MESSAGE = "The facilitator couldn't make it, so this session isn't going ahead. Sorry.";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Rooms this node has read, newest use last; the oldest is forgotten past
 * `maxRooms`. Only ever a hint: see the note at the top of this file.
 */
export class LiveRoomCache {
  readonly #rooms = new Map<string, LiveRoomTruth>();
  constructor(private readonly maxRooms = 2000) {}
  get(occurrenceId: string): LiveRoomTruth | undefined {
    return this.#rooms.get(occurrenceId);
  }
  set(truth: LiveRoomTruth): void {
    const id = truth.context.occurrenceId;
    this.#rooms.delete(id);
    this.#rooms.set(id, truth);
    if (this.#rooms.size > this.maxRooms) this.#rooms.delete(this.#rooms.keys().next().value!);
  }
  forget(occurrenceId: string): void {
    this.#rooms.delete(occurrenceId);
  }
  get size(): number {
    return this.#rooms.size;
  }
}

// Everything about the occurrence the room's rules read. NULLs are spelled out so that no two readings collide.
const FINGERPRINT = `md5(concat_ws('|', o."capacity", o."startsAt", o."endsAt", o."status",
  coalesce(o."openedAt"::text, '-'), coalesce(o."facilitatorId"::text, '-'),
  coalesce(s."facilitatorId"::text, '-'), coalesce(s."backupFacilitatorId"::text, '-')))`;

const READ_TRUTH = `
  SELECT o."capacity", o."startsAt", o."endsAt", o."status"::text AS "status", o."openedAt",
         o."facilitatorId" AS "occurrenceFacilitatorId", s."facilitatorId" AS "leadId",
         s."backupFacilitatorId" AS "backupId", r."state", r."version", ${FINGERPRINT} AS "fingerprint"
  FROM "DropInOccurrence" o
  JOIN "DropInSeries" s ON s."id" = o."seriesId"
  LEFT JOIN "LiveRoom" r ON r."occurrenceId" = o."id"
  WHERE o."id" = $1::uuid`;

interface TruthRow {
  capacity: number;
  startsAt: Date;
  endsAt: Date;
  status: string;
  openedAt: Date | null;
  occurrenceFacilitatorId: string | null;
  leadId: string | null;
  backupId: string | null;
  state: LiveRoomState | null;
  version: number | null;
  fingerprint: string;
}

const names = new Map<string, string>();
/**
 * The hot path's statements are prepared once per connection (a named query):
 * PostgreSQL then skips parsing and planning them on every command, which for a
 * statement of several CTEs costs more than running it. The name is the text's
 * hash, so each shape of the write (with or without a chat line, presence…) has its own.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (!name) {
    name = `room_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (names.size < 1000) names.set(text, name);
  }
  return { name, text, values };
}

/** The room's context, state and version in one round trip. */
export async function readLiveRoomTruth(pool: Queryable, occurrenceId: string): Promise<LiveRoomTruth | null> {
  if (!UUID.test(occurrenceId)) return null;
  const row = (await pool.query<TruthRow>(prepared(READ_TRUTH, [occurrenceId]))).rows[0];
  if (!row) return null;
  const context: RoomContext = {
    occurrenceId,
    facilitatorIds: [row.occurrenceFacilitatorId, row.leadId, row.backupId].filter((id): id is string => !!id),
    capacity: row.capacity,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    cancelled: row.status === "CANCELLED",
    openedAt: row.openedAt,
  };
  // No row yet: the room is empty, and its first write creates it (see writeRoom).
  const state = row.state ?? emptyRoom(occurrenceId, context.capacity, context.openedAt ? "live" : "lobby");
  return { context, state, version: row.version ?? 0, stored: row.state !== null, fingerprint: row.fingerprint };
}

export type RoomActorIn = RoomActor & { personId: string | null };
export type Authorised = { ok: true; actor: RoomActorIn } | { ok: false; error: RoomError };

export type RoomCommandResult =
  | {
      ok: true;
      /** The room after the command. */
      snapshot: RoomSnapshot;
      /** The room as members held it before (the patch is made between the two). */
      previous: RoomSnapshot;
      effects: RoomEffect[];
      changed: boolean;
      context: RoomContext;
      actor: RoomActorIn;
    }
  | { ok: false; error: RoomError };

/** One command in a batch: who sends it is known only to its `authorize`. */
export interface RoomCommandItem {
  command: RoomCommand;
  authorize: (context: RoomContext) => Authorised | Promise<Authorised>;
  /** The joining socket, recorded as present with the join (room:join only). */
  presence?: { socketId: string; nodeId: string };
}

interface RoomCommandOptions {
  occurrenceId: string;
  now: Date;
  cache?: LiveRoomCache;
  /**
   * Most members (facilitators included) the room's audio can carry: the
   * embedded mesh's cap. Core keeps places in it for facilitators; a worker's
   * join beyond the rest is refused as `full` with this message.
   */
  maxMembers?: { count: number; message: string };
}

/**
 * Runs one room command: authorised against the room's context by the
 * caller's `authorize`, decided by core's rules, written at once with its
 * side effects (see the note at the top of this file).
 */
export async function roomCommand(db: Db, input: RoomCommandOptions & RoomCommandItem): Promise<RoomCommandResult> {
  const { command, authorize, presence, ...room } = input;
  return (await roomCommands(db, { ...room, items: [{ command, authorize, ...(presence ? { presence } : {}) }] }))[0]!;
}

/**
 * Runs several commands for one room as one: each is authorised and decided
 * by core's rules in order, against the room as the ones before it left it,
 * and all that change it are written in one statement (one version), with
 * every side effect and the joiners' presence. A batch of joins (a drop-in
 * starting: everyone arriving at once) then costs the database one write, and
 * the room's members one patch, instead of one each.
 *
 * Each answer is the command's own: its refusal, or its effects with the room
 * before the batch (`previous`) and after it (`snapshot`, the same for all):
 * the patch between the two is the one change members are sent. Nothing of a
 * batch is written unless all of it is; if the room changed elsewhere the
 * whole batch is decided again from a fresh read.
 */
export async function roomCommands(
  db: Db,
  input: RoomCommandOptions & { items: readonly RoomCommandItem[] },
): Promise<RoomCommandResult[]> {
  const pool = hotPathOf(db);
  const { occurrenceId, items, now, cache } = input;
  const all = (result: RoomCommandResult) => items.map(() => result);
  attempts: for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const cached = attempt === 0 ? cache?.get(occurrenceId) : undefined;
    const truth = cached ?? (await readLiveRoomTruth(pool, occurrenceId));
    if (!truth) {
      cache?.forget(occurrenceId);
      return all({ ok: false, error: { code: "not_found", message: "That session could not be found." } });
    }
    const fresh = !cached;
    // Each command in turn, against the room as the ones before it left it.
    let state = truth.state;
    let writes = false;
    let opensBy: { personId: string | null } | null = null;
    const effects: { effect: RoomEffect; by: string | null }[] = [];
    const presences = new Map<string, { socketId: string; nodeId: string; memberId: string }>();
    const outcomes: ({ ok: true; actor: RoomActorIn; effects: RoomEffect[] } | { ok: false; error: RoomError })[] = [];
    for (const item of items) {
      const authorised = await item.authorize(truth.context);
      if (!authorised.ok) {
        if (!fresh) continue attempts; // who runs the session may have changed since it was cached
        outcomes.push(authorised);
        continue;
      }
      const actor = authorised.actor;
      const decided = decide({ ...truth, state }, actor, item.command, now, input.maxMembers);
      const changes = decided.autoEnded || (decided.ok && (decided.changed || decided.effects.length > 0));
      // A refusal or "nothing to do" is only given from a fresh read.
      if (!changes && !fresh) continue attempts;
      state = decided.state;
      writes ||= changes;
      if (decided.autoEnded) effects.push({ effect: { kind: "ended" }, by: null });
      if (!decided.ok) {
        outcomes.push({ ok: false, error: decided.error });
        continue;
      }
      for (const effect of decided.effects) effects.push({ effect, by: actor.personId });
      if (item.command.name === "mod:open" && !truth.context.openedAt) opensBy ??= { personId: actor.personId };
      if (item.command.name === "room:join" && item.presence)
        presences.set(item.presence.socketId, { ...item.presence, memberId: actor.id });
      outcomes.push({ ok: true, actor, effects: decided.effects });
    }
    const previous = roomSnapshot(truth.state, truth.version);
    const answer = (snapshot: RoomSnapshot, changed: boolean) =>
      outcomes.map((o): RoomCommandResult =>
        o.ok ? { ...o, ok: true, snapshot, previous, changed, context: truth.context } : { ok: false, error: o.error },
      );
    if (!writes) {
      cache?.set(truth);
      return answer(previous, false);
    }
    const version = truth.version + 1;
    const written = await writeRoom(pool, truth, {
      state,
      version,
      now,
      effects,
      opensBy,
      presences: [...presences.values()],
    });
    if (!written) {
      cache?.forget(occurrenceId); // changed elsewhere: read it again and decide again
      if (attempt > 0) await backoff(attempt);
      continue;
    }
    // Opening changes the occurrence (its fingerprint): the next command reads it again.
    if (opensBy) cache?.forget(occurrenceId);
    else cache?.set({ ...truth, state, version, stored: true });
    return answer(roomSnapshot(state, version), true);
  }
  return all({ ok: false, error: { code: "busy", message: BUSY_MESSAGE } });
}

type Decision =
  | { ok: true; state: LiveRoomState; effects: RoomEffect[]; changed: boolean; autoEnded: boolean }
  | { ok: false; error: RoomError; state: LiveRoomState; autoEnded: boolean };

const ended = (state: LiveRoomState): LiveRoomState => ({
  ...state,
  phase: "ended",
  members: [],
  hands: [],
  locked: false,
});

/** The rules that need the occurrence (lobby hours, cancelled, overdue), then core's rules for the room. */
function decide(
  truth: LiveRoomTruth,
  actor: RoomActorIn,
  command: RoomCommand,
  now: Date,
  cap: { count: number; message: string } | undefined,
): Decision {
  const ctx = truth.context;
  const refuse = (code: RoomError["code"], message: string): Decision => ({
    ok: false,
    error: { code, message },
    state: truth.state,
    autoEnded: false,
  });
  if (ctx.cancelled) return refuse("cancelled", "This session has been cancelled, so the room will not open. Sorry.");
  const late = now.getTime() > ctx.endsAt.getTime() + AUTO_END_AFTER_MINUTES * 60_000;
  if (command.name === "room:join" && !late && !isLobbyOpen(ctx, now))
    return refuse("not_open", "The lobby opens 10 minutes before the start.");
  if (command.name === "mod:open" && !isLobbyOpen(ctx, now))
    return refuse("not_open", "The room can be opened from 10 minutes before the start until the end.");
  // The occurrence may have been opened by the page's "Open the room" button.
  let state = ctx.openedAt && truth.state.phase === "lobby" ? { ...truth.state, phase: "live" as const } : truth.state;
  // Nobody ended it: close it now, as if the facilitator had (written even if the command is then refused).
  const autoEnded = late && state.phase !== "ended";
  if (autoEnded) state = ended(state);
  // Past the grace period and never opened: workers are told it is not going ahead, never seated in a
  // lobby that will not open (a facilitator may still come in and open it).
  const unopened = state.phase === "lobby" && lobbyStatus(ctx, now) === "not-running";
  if (command.name === "room:join" && !actor.facilitator && unopened)
    return { ok: false, error: { code: "not_running", message: NOT_RUNNING_MESSAGE }, state, autoEnded };
  // The audio's cap is core's rule: facilitators always get in, workers fill what is left beside the places kept for them.
  const result = applyRoomCommand(state, actor, command, now.getTime(), {
    ...(cap ? { audio: { maxMembers: cap.count, fullMessage: cap.message } } : {}),
  });
  if (!result.ok) return { ok: false, error: result.error, state, autoEnded };
  const changed = autoEnded || !sameJson(result.state, state);
  return { ok: true, state: result.state, effects: result.effects, changed, autoEnded };
}

/** Builds one statement of CTEs, each guarded by the room's write so that all happen or none. */
class Statement {
  readonly params: unknown[] = [];
  readonly ctes: string[] = [];
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  add(sql: string): void {
    this.ctes.push(`e${this.ctes.length} AS (${sql})`);
  }
}

/** A room's change as decided: what `writeRoom` writes if the room is still as it was read. */
interface RoomChange {
  state: LiveRoomState;
  version: number;
  now: Date;
  effects: { effect: RoomEffect; by: string | null }[];
  opensBy: { personId: string | null } | null;
  /** Sockets that joined with this write (each socket once). */
  presences: { socketId: string; nodeId: string; memberId: string }[];
}

/**
 * Writes the room's new state and side effects, if the room is still at
 * `truth.version` and the occurrence reads as it did. Returns whether it was
 * written. The everyday change (a hand, a chat line, a join: nothing but the
 * state, chat lines and presence) goes out with other rooms' changes of the
 * same moment as one statement (see `RoomWrites`); the rare ones (removing,
 * muting, ending, a safeguarding flag, opening) are written on their own.
 */
function writeRoom(pool: Queryable, truth: LiveRoomTruth, change: RoomChange): Promise<boolean> {
  const everyday = !change.opensBy && change.effects.every(({ effect }) => effect.kind === "chat");
  return everyday ? roomWritesOf(pool).write(truth, change) : writeRoomAlone(pool, truth, change);
}

/** Writes one room's change in one statement of CTEs, each guarded by the room's write. */
async function writeRoomAlone(pool: Queryable, truth: LiveRoomTruth, change: RoomChange): Promise<boolean> {
  const st = new Statement();
  const id = st.p(truth.context.occurrenceId);
  const { now } = change;
  const at = st.p(now);
  const guarded = "EXISTS (SELECT 1 FROM up)";
  const audit = (action: string, by: string | null, details: object) =>
    st.add(`INSERT INTO "AuditEvent" ("id", "at", "actorPersonId", "action", "details")
      SELECT gen_random_uuid(), ${at}, ${st.p(by)}::uuid, ${st.p(action)}, ${st.p(JSON.stringify(details))}::jsonb FROM up`);
  const occurrenceId = truth.context.occurrenceId;
  for (const { effect, by } of change.effects) {
    switch (effect.kind) {
      case "chat":
        st.add(`INSERT INTO "RoomChatLine" ("occurrenceId", "seq", "memberId", "name", "text", "at")
          SELECT ${id}::uuid, ${st.p(effect.seq)}::int, ${st.p(effect.from)}, ${st.p(effect.name.slice(0, 40))},
                 ${st.p(effect.text)}, ${st.p(new Date(effect.at))} FROM up`);
        // The one line that falls out of the buffer (lines are numbered one by one, and each line said takes
        // one out). Not "every line up to it": that range scan walked past every line already taken out and
        // not yet vacuumed, so a lively room's chat cost more the longer it ran (5x a raised hand's, measured).
        st.add(`DELETE FROM "RoomChatLine" WHERE "occurrenceId" = ${id}::uuid
          AND "seq" = ${st.p(effect.seq - CHAT_BUFFER)}::int AND ${guarded}`);
        break;
      case "removed":
        st.add(`DELETE FROM "RoomPresence" WHERE "occurrenceId" = ${id}::uuid
          AND "memberId" = ${st.p(effect.memberId)} AND ${guarded}`);
        audit("room.remove", by, { occurrenceId, member: effect.memberId });
        break;
      case "muted":
        audit("room.mute", by, { occurrenceId, member: effect.memberId });
        break;
      case "ended":
        st.add(`DELETE FROM "RoomChatLine" WHERE "occurrenceId" = ${id}::uuid AND ${guarded}`);
        st.add(`DELETE FROM "RoomPresence" WHERE "occurrenceId" = ${id}::uuid AND ${guarded}`);
        audit("room.end", by, { occurrenceId });
        break;
      case "flag":
        if (!by) break;
        st.add(`INSERT INTO "SafeguardingFlag" ("id", "occurrenceId", "byPersonId", "category", "subjectKey", "createdAt")
          SELECT gen_random_uuid(), ${id}::uuid, ${st.p(by)}::uuid, ${st.p(effect.category)}, ${st.p(effect.subjectId)}, ${at} FROM up`);
        audit("safeguarding.flag", by, { occurrenceId, category: effect.category, member: effect.subjectId });
        break;
    }
  }
  if (change.opensBy) {
    const by = st.p(change.opensBy.personId);
    st.add(`UPDATE "DropInOccurrence" SET "openedAt" = ${at}, "openedById" = ${by}::uuid,
        "facilitatorId" = coalesce(${by}::uuid, "facilitatorId"), "updatedAt" = ${at}
      WHERE "id" = ${id}::uuid AND "openedAt" IS NULL AND ${guarded}`);
  }
  if (change.presences.length > 0) {
    // One statement text for any number of joiners (the hot path's statements are prepared by their text).
    const list = (key: "socketId" | "memberId" | "nodeId") => st.p(change.presences.map((p) => p[key]));
    st.add(`INSERT INTO "RoomPresence" ("socketId", "occurrenceId", "memberId", "nodeId", "heartbeatAt")
      SELECT j."socketId", ${id}::uuid, j."memberId", j."nodeId", ${at}
        FROM unnest(${list("socketId")}::text[], ${list("memberId")}::text[], ${list("nodeId")}::text[])
          AS j("socketId", "memberId", "nodeId"), up
      ON CONFLICT ("socketId") DO UPDATE SET "occurrenceId" = EXCLUDED."occurrenceId",
        "memberId" = EXCLUDED."memberId", "nodeId" = EXCLUDED."nodeId", "heartbeatAt" = EXCLUDED."heartbeatAt"`);
  }
  const state = st.p(JSON.stringify(change.state));
  const version = st.p(change.version);
  // The first write creates the room's row; two first writes at once are settled by its key.
  const write = truth.stored
    ? `UPDATE "LiveRoom" SET "state" = ${state}::jsonb, "version" = ${version}::int, "updatedAt" = ${at}
      WHERE "occurrenceId" = ${id}::uuid AND "version" = ${st.p(truth.version)}::int AND EXISTS (SELECT 1 FROM ctx)
      RETURNING "version"`
    : `INSERT INTO "LiveRoom" ("occurrenceId", "state", "version", "updatedAt")
      SELECT ${id}::uuid, ${state}::jsonb, ${version}::int, ${at} WHERE EXISTS (SELECT 1 FROM ctx)
      ON CONFLICT ("occurrenceId") DO NOTHING RETURNING "version"`;
  const sql = `
    WITH ctx AS (
      SELECT 1 FROM "DropInOccurrence" o JOIN "DropInSeries" s ON s."id" = o."seriesId"
      WHERE o."id" = ${id}::uuid AND ${FINGERPRINT} = ${st.p(truth.fingerprint)}
    ), up AS (${write}
    )${st.ctes.map((c) => `, ${c}`).join("")}
    SELECT "version" FROM up`;
  const result = await pool.query(prepared(sql, st.params));
  return result.rowCount === 1;
}

/** Most rooms written by one statement: a larger burst goes out as several. */
export const ROOM_WRITES_PER_STATEMENT = 64;

interface QueuedWrite {
  truth: LiveRoomTruth;
  change: RoomChange;
  resolve: (written: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * The everyday room writes of one turn of the event loop, as one statement.
 *
 * A busy node decides many rooms' commands in the same turn (a burst of
 * socket reads), and each used to be its own statement: its own transaction,
 * executor start and commit in PostgreSQL, its own messages to build and
 * parse here. Queued until the loop has run every callback that is ready
 * (`setImmediate`), they are sent as one statement whose rows are the rooms:
 * each room is still written only if it is at the version it was decided on
 * and its occurrence reads as it did, and its chat lines and presence are
 * written with it or not at all. One statement is one transaction, so the
 * batch commits together; which rooms it wrote comes back as rows, and a room
 * that lost (another node wrote it first) is decided again by its caller, as
 * before. A quiet node sends batches of one, a turn of the loop later than it
 * would have: no timer, no waiting for company.
 *
 * If the statement fails (a deadlock with another node's batch, a chat line
 * that clashes), nothing of it was written, so each room's write is sent
 * again on its own and only a room whose own write fails hears the error.
 */
export class RoomWrites {
  readonly #send: (config: pg.QueryConfig) => Promise<pg.QueryResult<{ id: string }>>;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  /** Statements sent and rooms they carried (for tests and the bench's notes). */
  readonly sent = { statements: 0, rooms: 0 };

  constructor(pool: Queryable) {
    // Sent when the turn ends, so not held for the next one (see Pipelines).
    this.#send =
      pool instanceof Pipelines
        ? (config) => pool.query(config, undefined, { hold: false })
        : (config) => pool.query(config);
  }

  write(truth: LiveRoomTruth, change: RoomChange): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ truth, change, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    let queue = this.#queue;
    this.#queue = [];
    // A room at most once per statement: two writes of it (callers outside the realtime gate) were decided
    // on the same version, so at most one may be written; the other goes in another statement, where the
    // version guard judges it as it would any other node's.
    while (queue.length > 0) {
      const batch: QueuedWrite[] = [];
      const later: QueuedWrite[] = [];
      const rooms = new Set<string>();
      for (const w of queue) {
        const id = w.truth.context.occurrenceId;
        if (batch.length < ROOM_WRITES_PER_STATEMENT && !rooms.has(id)) {
          rooms.add(id);
          batch.push(w);
        } else later.push(w);
      }
      void this.#write(batch);
      queue = later;
    }
  }

  async #write(batch: QueuedWrite[]): Promise<void> {
    try {
      const written = await this.#statement(batch);
      for (const w of batch) w.resolve(written.has(w.truth.context.occurrenceId));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // Nothing of the batch was written: each room on its own, so one room's failure stays its own.
      await Promise.all(batch.map((w) => this.#write([w])));
    }
  }

  /** One statement for the batch; answers the rooms it wrote. */
  async #statement(batch: QueuedWrite[]): Promise<Set<string>> {
    this.sent.statements += 1;
    this.sent.rooms += batch.length;
    // Rooms in one order on every node, so two nodes' batches take their rows' locks in the same order.
    const rooms = [...batch].sort((a, b) => (a.truth.context.occurrenceId < b.truth.context.occurrenceId ? -1 : 1));
    // The rooms' states, chat lines and joiners as JSON, each one string: as array parameters, every state
    // would be escaped element by element (pg's escapeElement was 4% of a busy node's time). The rest as arrays:
    // taken apart by jsonb_to_recordset, a batch's rooms cost PostgreSQL 1.8x the time (bench, 7 rooms a statement).
    const chat: { id: string; seq: number; memberId: string; name: string; text: string; at: Date }[] = [];
    const joins: { id: string; socketId: string; memberId: string; nodeId: string; at: Date }[] = [];
    for (const { truth, change } of rooms) {
      const id = truth.context.occurrenceId;
      for (const { effect } of change.effects)
        if (effect.kind === "chat")
          chat.push({
            id,
            seq: effect.seq,
            memberId: effect.from,
            name: effect.name.slice(0, 40),
            text: effect.text,
            at: new Date(effect.at),
          });
      for (const p of change.presences) joins.push({ id, ...p, at: change.now });
    }
    const column = <T>(get: (w: QueuedWrite) => T) => rooms.map(get);
    const result = await this.#send(
      prepared(WRITE_ROOMS, [
        column((w) => w.truth.context.occurrenceId),
        column((w) => w.truth.fingerprint),
        column((w) => w.truth.stored),
        column((w) => w.truth.version),
        column((w) => w.change.version),
        column((w) => w.change.now),
        JSON.stringify(column((w) => w.change.state)),
        JSON.stringify(chat),
        JSON.stringify(joins),
      ]),
    );
    return new Set(result.rows.map((r) => r.id));
  }
}

/**
 * Many rooms' everyday changes, one row each (the same guards and side
 * effects as `writeRoomAlone`, for rooms whose only effects are chat lines
 * and joiners' presence). One text for any batch, so it is prepared once.
 */
const WRITE_ROOMS = `
  WITH w AS (
    SELECT w.*, s."state"
      FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::int[], $5::int[], $6::timestamptz[]) WITH ORDINALITY
        AS w("id", "fingerprint", "stored", "from", "to", "at", "n")
      JOIN jsonb_array_elements($7::jsonb) WITH ORDINALITY AS s("state", "n") ON s."n" = w."n"
  ), ctx AS (
    SELECT w."id" FROM w
      JOIN "DropInOccurrence" o ON o."id" = w."id"
      JOIN "DropInSeries" s ON s."id" = o."seriesId"
    WHERE ${FINGERPRINT} = w."fingerprint"
  ), updated AS (
    UPDATE "LiveRoom" r SET "state" = w."state", "version" = w."to", "updatedAt" = w."at"
      FROM w
    WHERE r."occurrenceId" = w."id" AND w."stored" AND r."version" = w."from" AND w."id" IN (SELECT "id" FROM ctx)
    RETURNING r."occurrenceId" AS "id"
  ), created AS (
    INSERT INTO "LiveRoom" ("occurrenceId", "state", "version", "updatedAt")
      SELECT w."id", w."state", w."to", w."at" FROM w WHERE NOT w."stored" AND w."id" IN (SELECT "id" FROM ctx)
    ON CONFLICT ("occurrenceId") DO NOTHING RETURNING "occurrenceId" AS "id"
  ), up AS (
    SELECT "id" FROM updated UNION ALL SELECT "id" FROM created
  ), said AS (
    SELECT * FROM jsonb_to_recordset($8::jsonb)
      AS c("id" uuid, "seq" int, "memberId" text, "name" text, "text" text, "at" timestamptz)
    WHERE c."id" IN (SELECT "id" FROM up)
  ), lines AS (
    INSERT INTO "RoomChatLine" ("occurrenceId", "seq", "memberId", "name", "text", "at")
      SELECT "id", "seq", "memberId", "name", "text", "at" FROM said
  ), dropped AS (
    -- The one line each new line pushes out of the buffer (see writeRoomAlone).
    DELETE FROM "RoomChatLine" l USING said
    WHERE l."occurrenceId" = said."id" AND l."seq" = said."seq" - ${CHAT_BUFFER}
  ), joined AS (
    INSERT INTO "RoomPresence" ("socketId", "occurrenceId", "memberId", "nodeId", "heartbeatAt")
      SELECT j."socketId", j."id", j."memberId", j."nodeId", j."at"
        FROM jsonb_to_recordset($9::jsonb)
          AS j("id" uuid, "socketId" text, "memberId" text, "nodeId" text, "at" timestamptz)
      WHERE j."id" IN (SELECT "id" FROM up)
    ON CONFLICT ("socketId") DO UPDATE SET "occurrenceId" = EXCLUDED."occurrenceId",
      "memberId" = EXCLUDED."memberId", "nodeId" = EXCLUDED."nodeId", "heartbeatAt" = EXCLUDED."heartbeatAt"
  )
  SELECT "id" FROM up`;

/**
 * Everyday room writes a handle has sent so far: the statements, and the
 * rooms they carried (their ratio is how many rooms share a statement). For /metrics.
 */
export function roomWriteCounts(db: Db): { statements: number; rooms: number } {
  return { ...roomWritesOf(hotPathOf(db)).sent };
}

const roomWrites = new WeakMap<Queryable, RoomWrites>();
/** The batcher for a handle's hot path (one per `Pipelines`). */
export function roomWritesOf(pool: Queryable): RoomWrites {
  let writes = roomWrites.get(pool);
  if (!writes) roomWrites.set(pool, (writes = new RoomWrites(pool)));
  return writes;
}
