import { z } from "zod";
import {
  MEMBER_ID,
  ROOM_COMMANDS,
  dropinWatchChannel,
  can,
  mayPublish,
  roomPatch,
  parseRoomCommand,
  type ClientToServerEvents,
  type InterServerEvents,
  type RoomAck,
  type RoomCommand,
  type RoomError,
  type RoomReply,
  type RoomSnapshot,
  type ServerToClientEvents,
  type SocketData,
  meshSignal,
  roomChannel,
  roomMemberChannel,
} from "@offshift/core";
import {
  chatSince,
  dropAbsentMember,
  dropAbsentMembers,
  dropRoomPresence,
  endOverdueRooms,
  heartbeatRoomNode,
  readLiveRoom,
  presenceRowsLike,
  reapStaleMembers,
  reconcilePresenceRows,
  roomIdentity,
  roomCommands,
  touchRoomPresence,
  type Authorised,
  type RoomCommandResult,
  type RoomContext,
} from "@offshift/db";
import type { Socket as IoSocket } from "socket.io";
import { LIVEKIT_PRESENCE_PREFIX, memberAlias } from "./identities.js";

export { memberAlias };
import { registerCommands, runInTurn } from "./commands.js";
import type { Together } from "./gate.js";
import { dispatchRoomEffects } from "./effects.js";
import { SIGNALS_RATE_LIMITED, socketLimits } from "./limits.js";
import type { NodeDeps, RealtimeIo } from "./deps.js";

type Socket = IoSocket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Socket.IO room names (core's channels.ts). */
export { roomChannel };
const memberChannel = roomMemberChannel;

/** Mesh signalling: relayed as is to one member, so it is bounded and shaped here. */
const rtcSignal = z.object({
  to: z.string().regex(MEMBER_ID, "Unknown participant"),
  signal: meshSignal,
});

const error = (code: RoomError["code"], message: string) => ({ ok: false, error: { code, message } }) as const;

/**
 * Live-room events on one socket: every payload is parsed by its core schema,
 * rate limited per socket, authorised with can(), run against the room's
 * state in PostgreSQL (core's rules under a row lock), and answered with a
 * typed acknowledgement. Changes fan out to the room through the cluster
 * adapter, so members on other nodes see them too.
 */
export function registerRoomHandlers(socket: Socket, deps: NodeDeps): void {
  const { io, db, logger } = deps;
  // Per socket: bursts of clicks are fine, floods are not. Chat and signalling have their own budgets.
  const limits = socketLimits(socket.id, "room");
  const { signals, allowed, signalAllowed } = limits;

  // Read with the ticket at the handshake (server.ts); looked up on the first command otherwise.
  let identity = socket.data.roomIdentity;
  // Who this socket is in the room it last acted in (an HMAC, so worked out once, not on every command).
  let alias: { occurrenceId: string; memberId: string } | undefined;

  /** This socket's part in a room's turn: who it is (worked out by `authorize`) and what it asked. */
  const turnItem = (command: RoomCommand, name: string): RoomTurnItem => {
    const item: RoomTurnItem = {
      socket,
      command,
      memberId: "",
      authorize: async (context): Promise<Authorised> => {
        const action = name.startsWith("mod:") ? "room.moderate" : "dropin.join";
        if (!can(socket.data.actor, action, { facilitatorIds: context.facilitatorIds }))
          return error(
            "forbidden",
            action === "room.moderate" ? "Only this session's facilitators can do that." : "Choose a nickname to join.",
          );
        // Who this socket is does not change while it is connected (a suspension disconnects it).
        identity ??= await roomIdentity(db, socket.data.actor);
        if (!identity) return error("forbidden", "Choose a nickname to join.");
        if (alias?.occurrenceId !== context.occurrenceId)
          alias = {
            occurrenceId: context.occurrenceId,
            memberId: memberAlias(deps.aliasSecret, context.occurrenceId, identity.key),
          };
        item.memberId = alias.memberId;
        // Whoever may run this session (its facilitators, a coordinator stepping in) is seated as one of them.
        const facilitator =
          !!identity.personId && can(socket.data.actor, "room.moderate", { facilitatorIds: context.facilitatorIds });
        return {
          ok: true,
          actor: { id: item.memberId, name: identity.name, facilitator, personId: identity.personId },
        };
      },
    };
    return item;
  };
  const roomOf = (command: RoomCommand) =>
    command.name === "room:join" ? command.payload.occurrenceId : socket.data.room!.occurrenceId;

  registerCommands(socket, {
    names: ROOM_COMMANDS,
    limits,
    alsoLimitedBy: (name) => (name === "room:chat" ? limits.chat : null),
    parse: parseRoomCommand,
    // One at a time per room on this node: a room's commands queue in the process, in arrival order.
    key: (command) => {
      const id = command.name === "room:join" ? command.payload.occurrenceId : socket.data.room?.occurrenceId;
      if (!id) return { failure: error("not_in_room", "Join the session first.") };
      if (command.name === "room:join" && socket.data.room && socket.data.room.occurrenceId !== id)
        return { failure: error("invalid", "Leave the other session first.") };
      return id;
    },
    // Commands waiting for the room's turn are decided and written as one (everyone arriving at 22:00).
    together: (command, name) => {
      if (command.name === "room:audio-token") return null;
      const occurrenceId = roomOf(command);
      return {
        tag: "room",
        item: turnItem(command, name),
        runAll: (items) => runRoomTurn(deps, occurrenceId, items as RoomTurnItem[]),
      };
    },
    gate: deps.gate,
    kind: "room",
    logger,
    run: async (command, name) => {
      const occurrenceId = roomOf(command);
      if (command.name === "room:audio-token") return audioToken(socket, deps, occurrenceId);
      return (await runRoomTurn(deps, occurrenceId, [turnItem(command, name)]))[0]!;
    },
  });

  // Mesh audio: offers, answers and ICE candidates go to one member of the same room, never stored.
  socket.on("rtc:signal", async (payload: unknown, ack?: unknown) => {
    const reply = (r: RoomAck) => {
      if (typeof ack === "function") (ack as (r: RoomAck) => void)(r);
    };
    const parsed = rtcSignal.safeParse(payload);
    if (!parsed.success) {
      if (!(await allowed(signals))) return reply(error("rate_limited", SIGNALS_RATE_LIMITED));
      return reply(error("invalid", parsed.error.issues[0]?.message ?? "Invalid signal"));
    }
    if (!(await signalAllowed(parsed.data.signal))) return reply(error("rate_limited", SIGNALS_RATE_LIMITED));
    // Cleared the moment this socket leaves the room (see followRoomExits), whichever node decided it.
    const room = socket.data.room;
    if (!room) return reply(error("not_in_room", "Join the session first."));
    const { to, signal } = parsed.data;
    // `from` is who the server knows sent it, never taken from the payload.
    io.to(memberChannel(room.occurrenceId, to)).emit("rtc:signal", { from: room.memberId, signal });
    reply({ ok: true });
  });

  // "disconnecting", not "disconnect": by then the socket has left its channels, and with them its room.
  socket.on("disconnecting", () => {
    const room = socket.data.room;
    if (!room) return;
    socket.data.room = undefined; // leaving by disconnecting is not a removal
    void (async () => {
      await dropRoomPresence(db, socket.id);
      // With LiveKit a member is present while their socket or their audio connection is: with both
      // gone (a closed tab) they leave now. The mesh keeps its grace: the reaper takes them later.
      if (deps.audio.kind !== "livekit") return;
      // In the room's turn, never refused: when a session ends everyone's tab closes at once, and each
      // leave written on its own raced the others for the room's version (about four tries each).
      // Those waiting together leave in one change.
      const { occurrenceId } = room;
      const leave: Together<void> = {
        tag: "absent",
        item: room.memberId,
        runAll: async (memberIds) => {
          const snapshot = await dropAbsentMembers(db, {
            occurrenceId,
            memberIds: memberIds as string[],
            now: deps.now(),
          });
          if (snapshot) {
            io.to(roomChannel(occurrenceId)).emit("room:state", snapshot);
            announceOccupancy(deps, occurrenceId, null, snapshot);
          }
          return memberIds.map(() => undefined);
        },
      };
      await runInTurn(
        deps.gate,
        occurrenceId,
        "room",
        () => leave.runAll([room.memberId]).then(() => undefined),
        leave,
      );
    })().catch(() => undefined);
  });
}

/** One socket's command in a room's turn (see `runRoomTurn`). */
interface RoomTurnItem {
  socket: Socket;
  command: RoomCommand;
  authorize: (context: RoomContext) => Promise<Authorised>;
  /** Who the socket is in this room: set by `authorize`. */
  memberId: string;
}

type RoomAnswer = RoomAck<RoomReply> | (() => Promise<RoomAck<RoomReply>>);

/**
 * A room's turn: one command, or several that were waiting for the room (the
 * gate hands over those queued together), decided in arrival order and written
 * as one (db's roomCommands). Each socket gets its own answer with the room as
 * it is after the turn; everyone else in the room gets one patch for the whole
 * turn, made before the joiners enter the room's channel.
 */
async function runRoomTurn(deps: NodeDeps, occurrenceId: string, items: RoomTurnItem[]): Promise<RoomAnswer[]> {
  const { db, io } = deps;
  const now = deps.now();
  const results = await roomCommands(db, {
    occurrenceId,
    now,
    cache: deps.roomCache,
    maxMembers: deps.audio.maxMembers,
    items: items.map((item) => ({
      command: item.command,
      authorize: item.authorize,
      presence: { socketId: item.socket.id, nodeId: deps.nodeId },
    })),
  });
  // Each socket's own part first (its channels and presence, its effects: a removed member is out of the
  // room's channel before the change goes out), in arrival order.
  for (const [i, item] of items.entries()) await settleRoomCommand(deps, occurrenceId, item, results[i]!, now);
  // The change, not the whole room: members at the previous version apply it, others resync. The sockets
  // in this turn have the new room in their answers; their other sockets and everyone else get the patch.
  const changed = results.find((r) => r.ok && r.changed);
  if (changed?.ok) {
    io.to(roomChannel(occurrenceId))
      .except(items.map((i) => i.socket.id))
      .emit("room:patch", roomPatch(changed.previous, changed.snapshot));
    announceOccupancy(deps, occurrenceId, changed.previous, changed.snapshot);
  }
  return items.map((item, i) => answerRoomCommand(deps, occurrenceId, item, results[i]!));
}

/** One socket's command once its turn is written: its channels and presence, and its effects. */
async function settleRoomCommand(
  deps: NodeDeps,
  occurrenceId: string,
  { socket, command, memberId }: RoomTurnItem,
  result: RoomCommandResult,
  now: Date,
): Promise<void> {
  if (!result.ok) return;
  const { db, io } = deps;
  const channel = roomChannel(occurrenceId);
  if (command.name === "room:join") {
    socket.data.room = { occurrenceId, memberId };
    await socket.join([channel, memberChannel(occurrenceId, memberId)]);
    // Written with the join when it changed the room; a rejoin into the same seat records it here.
    if (!result.changed)
      await touchRoomPresence(db, { socketId: socket.id, occurrenceId, memberId, nodeId: deps.nodeId, now });
  } else if (command.name === "room:leave") {
    socket.data.room = undefined;
    await socket.leave(channel);
    await socket.leave(memberChannel(occurrenceId, memberId));
    await dropRoomPresence(db, socket.id);
  }
  dispatchRoomEffects(deps, occurrenceId, result.effects);
  // Listening only, then speaking after all: the audio server gives them the microphone back.
  if (command.name === "room:mute" && !command.payload.muted && result.changed)
    void restorePublish(deps, occurrenceId, memberId);
  if (command.name === "mod:end") process.nextTick(() => io.in(channel).socketsLeave(channel));
}

/** One socket's answer: the room after the turn, and for a join or a sync the recent chat and audio. */
function answerRoomCommand(
  deps: NodeDeps,
  occurrenceId: string,
  { command, memberId }: RoomTurnItem,
  result: RoomCommandResult,
): RoomAnswer {
  if (!result.ok) return result;
  const me = result.snapshot.members.find((m) => m.id === memberId);
  const wantsChat = command.name === "room:join" || command.name === "room:sync";
  const wantsAudio = command.name === "room:join" && me;
  const data = { snapshot: result.snapshot, memberId };
  if (!wantsChat && !wantsAudio) return { ok: true, data };
  // The recent chat and the audio token are read after the room's turn, so the next command for the room
  // need not wait for them: the socket is already in the room's channel, so a line sent meanwhile arrives
  // live as well (the browser keeps each line once, by its number), and patches wait for this answer.
  const after = command.name === "room:sync" ? command.payload.afterChatSeq : 0;
  // The room as just written or read says which line was said last: with none after `after` (nobody has
  // said anything yet, or a sync that has them all) there is nothing to read.
  const chatToRead = wantsChat && result.snapshot.chatSeq > after;
  return async () => {
    const [chat, audio] = await Promise.all([
      chatToRead ? chatSince(deps.db, occurrenceId, after) : wantsChat ? [] : undefined,
      wantsAudio ? deps.audio.joinInfo(occurrenceId, me) : undefined,
    ]);
    return { ok: true, data: { ...data, ...(chat ? { chat } : {}), ...(audio ? { audio } : {}) } };
  };
}

/** Seated workers and facilitators, locked, phase: what Tonight's places and notices read from a room. */
const occupancyOf = (s: RoomSnapshot | null) =>
  s ? `${s.phase}|${s.locked}|${s.members.filter((m) => !m.facilitator).length}|${s.members.length}` : "";

/**
 * Tonight (every open page, and web's short-lived copy of it) is told when
 * who is in a room changes, so places are never shown from before it.
 */
export function announceOccupancy(
  deps: NodeDeps,
  occurrenceId: string,
  before: RoomSnapshot | null,
  after: RoomSnapshot | null,
) {
  if (before && after && occupancyOf(before) === occupancyOf(after)) return;
  // Pages showing this session's places, on every node; web hears it too (Tonight's cache, before its next
  // request: not coalesced, so a reload right after a change never shows the places before it).
  deps.io.to(dropinWatchChannel(occurrenceId)).emit("dropin:occupancy", { occurrenceId });
}

/** A fresh audio token for someone already in the room (their audio is reconnecting). */
async function audioToken(socket: Socket, deps: NodeDeps, occurrenceId: string): Promise<RoomAck<RoomReply>> {
  const memberId = socket.data.room?.occurrenceId === occurrenceId ? socket.data.room.memberId : null;
  const snapshot = memberId ? await readLiveRoom(deps.db, occurrenceId) : null;
  const me = snapshot?.members.find((m) => m.id === memberId);
  if (!snapshot || !me || !memberId) return error("not_in_room", "Join the session first.");
  return { ok: true, data: { snapshot, memberId, audio: await deps.audio.joinInfo(occurrenceId, me) } };
}

/**
 * A session cancelled while its room was open: web has ended the room in
 * PostgreSQL (as mod:end does) and tells every node through the cluster
 * adapter. Each node tells its own members and takes them out, and the audio
 * server closes the room (LiveKit's DeleteRoom is idempotent, so every node may ask).
 */
export function followCancellations(deps: NodeDeps): void {
  deps.io.on("room:cancelled", (occurrenceId: unknown) => {
    if (typeof occurrenceId !== "string" || !/^[0-9a-f-]{36}$/.test(occurrenceId)) return;
    const channel = roomChannel(occurrenceId);
    deps.roomCache.forget(occurrenceId);
    void (async () => {
      const snapshot = await readLiveRoom(deps.db, occurrenceId).catch(() => null);
      if (snapshot) deps.io.local.to(channel).emit("room:state", snapshot);
      deps.io.local.to(channel).emit("room:ended", { occurrenceId });
      process.nextTick(() => deps.io.local.in(channel).socketsLeave(channel));
      await deps.audio.onEffect(occurrenceId, { kind: "ended" });
    })();
  });
}

/**
 * A socket taken out of a live room's channels without asking (removed: its
 * member channel; the room ended: the room's channel), decided on this node or
 * another and fanned out by the cluster adapter, loses the room at once: both
 * channels and its `socket.data.room`, so no later event of its own (sync,
 * chat, audio signalling) reaches that room. A removed socket is told here, on
 * its own node, so the notice cannot race the removal. Core refuses room
 * commands from non-members as well; this ends what never reaches core.
 */
export function followRoomExits(io: RealtimeIo): void {
  io.of("/").adapter.on("leave-room", (channel: string, socketId: string) => {
    const socket = io.of("/").sockets.get(socketId);
    const room = socket?.data.room; // cleared first by a room:leave or a disconnect
    if (!socket || !room) return;
    const main = roomChannel(room.occurrenceId);
    const mine = memberChannel(room.occurrenceId, room.memberId);
    if (channel !== main && channel !== mine) return;
    socket.data.room = undefined;
    void socket.leave(main);
    void socket.leave(mine);
    if (channel === mine) socket.emit("room:removed", { occurrenceId: room.occurrenceId });
  });
}

/**
 * Gives a member the right to publish back on the audio server, if their seat
 * allows it now. A facilitator's mute that lands meanwhile (on any node) must
 * win: the state is read again once the grant is done, and if the mute came
 * in between, publishing is taken away again (the mute's own call was sent
 * either before that read, or after the grant had completed).
 */
async function restorePublish(deps: NodeDeps, occurrenceId: string, memberId: string): Promise<void> {
  const seat = async () => (await readLiveRoom(deps.db, occurrenceId))?.members.find((m) => m.id === memberId);
  try {
    const now = await seat();
    if (!now || !mayPublish(now)) return;
    await deps.audio.syncMember(occurrenceId, now);
    const later = await seat();
    if (later && !mayPublish(later)) await deps.audio.syncMember(occurrenceId, later);
  } catch (err) {
    deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "audio permission sync failed");
  }
}

/**
 * Heartbeat for this node's sockets and the reaper for members whose sockets
 * are all gone (a crashed node, a phone that lost signal for good).
 */
export function startRoomKeeper(deps: NodeDeps, options: { everyMs?: number; staleMs?: number } = {}): () => void {
  const everyMs = options.everyMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = deps.now();
      await heartbeatRoomNode(deps.db, deps.nodeId, now);
      for (const { occurrenceId, snapshot } of await reapStaleMembers(deps.db, now, staleMs)) {
        deps.io.to(roomChannel(occurrenceId)).emit("room:state", snapshot);
        announceOccupancy(deps, occurrenceId, null, snapshot);
      }
      await reconcileAudioPresence(deps, now);
      for (const occurrenceId of await endOverdueRooms(deps.db, now)) {
        const channel = roomChannel(occurrenceId);
        deps.io.to(channel).emit("room:ended", { occurrenceId });
        void deps.audio.onEffect(occurrenceId, { kind: "ended" });
        const snapshot = await readLiveRoom(deps.db, occurrenceId);
        if (snapshot) deps.io.to(channel).emit("room:state", snapshot);
        announceOccupancy(deps, occurrenceId, null, snapshot);
        process.nextTick(() => deps.io.in(channel).socketsLeave(channel));
      }
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "room keeper failed; will retry");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The audio server is asked who it holds (and anyone without a place there
 * is taken out: see sweepLiveKitRooms). Presence it vouches for is checked
 * with it: members it still
 * holds stay present, those it lost without telling us (it crashed, a
 * participant_left never came) leave at once unless a socket holds them.
 * When it cannot be asked, nothing is refreshed and the reaper ages the rows out.
 */
async function reconcileAudioPresence(deps: NodeDeps, now: Date): Promise<void> {
  if (!deps.audioSweep) return;
  const listedAt = now;
  const connected = await deps.audioSweep();
  if (!connected) return;
  const rows = await presenceRowsLike(deps.db, LIVEKIT_PRESENCE_PREFIX);
  for (const [occurrenceId, socketIds] of rows) {
    const here = connected.get(occurrenceId) ?? new Set<string>();
    const isHere = (socketId: string) => here.has(socketId.slice(LIVEKIT_PRESENCE_PREFIX.length));
    const gone = await reconcilePresenceRows(deps.db, {
      occurrenceId,
      present: socketIds.filter(isHere),
      absent: socketIds.filter((id) => !isHere(id)),
      listedAt,
      now: deps.now(),
    });
    for (const memberId of gone) {
      const snapshot = await dropAbsentMember(deps.db, { occurrenceId, memberId, now: deps.now() });
      if (!snapshot) continue;
      deps.io.to(roomChannel(occurrenceId)).emit("room:state", snapshot);
      announceOccupancy(deps, occurrenceId, null, snapshot);
    }
  }
}
