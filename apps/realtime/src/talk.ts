import { z } from "zod";
import {
  TALK_COMMANDS,
  can,
  channelOf,
  identityOf,
  parseTalkCommand,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type CallView,
  type TalkAck,
  type TalkCommand,
  type TalkError,
  type TalkReply,
  meshSignal,
  callChannel,
  callSideChannel,
  personChannel,
  roomMemberChannel,
} from "@offshift/core";
import {
  acceptOffer,
  callSide,
  cancelTalk,
  declineOffer,
  dispatchOffers,
  dropTalkPresence,
  endCall,
  heartbeatTalkNode,
  loadCallView,
  loadRoomContext,
  onCallStatus,
  requestTalk,
  startOnCall,
  stepAside,
  stopOnCall,
  talkStatus,
  touchCallPresence,
  touchOnCallPresence,
  touchWaitingPresence,
  type ClosedOffer,
} from "@offshift/db";
import type { Socket as IoSocket } from "socket.io";
import type { NodeDeps } from "./deps.js";
import { registerCommands } from "./commands.js";
import { SIGNALS_RATE_LIMITED, socketLimits } from "./limits.js";
import type { PushSender } from "./push.js";

type Socket = IoSocket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Workers with an open request: told to refresh their position when the queue moves. */
export const TALK_WAITING_ROOM = "talk:waiting";
/** On-call volunteers' open pages: told when the number waiting changes. */
export const ONCALL_ROOM = "oncall";
export { callChannel };
const sideChannel = callSideChannel;
const personRoom = personChannel;

/**
 * A call ended: this node's sockets in it are told its final state, then taken
 * out of its channels. Every node does this for its own sockets (the node that
 * ended it, and the others on `call:ended`), so the state cannot reach a
 * socket after its leave: across the cluster adapter the two would travel
 * separately and could arrive in either order. The leave waits a tick because
 * the adapter sends a broadcast on the next tick.
 */
function closeCallHere(io: NodeDeps["io"], callId: string, view: Omit<CallView, "me"> | null): void {
  const channel = callChannel(callId);
  if (view) io.local.to(channel).emit("call:state", view);
  process.nextTick(() =>
    io.local.in(channel).socketsLeave([channel, sideChannel(callId, "worker"), sideChannel(callId, "volunteer")]),
  );
}

/** Mesh signalling inside a call: to the other side, bounded and shaped here (never stored). */
const callSignal = z.object({
  to: z.enum(["worker", "volunteer"], { error: "Unknown participant" }),
  signal: meshSignal,
});

const error = (code: TalkError["code"], message: string): TalkAck<never> => ({ ok: false, error: { code, message } });

export interface TalkOptions {
  /** How often the matcher runs on this node (offers time out, the queue is worked). */
  dispatchEveryMs?: number;
  heartbeatEveryMs?: number;
  /** A call nobody has been in for this long is ended. */
  abandonAfterMs?: number;
  /** Web Push (VAPID keys set): offers and "a volunteer is ready" also reach devices that asked for them. */
  push?: PushSender;
}

export interface TalkService {
  /** Runs the matcher now (coalesced with a run in progress). */
  kick(): void;
  stop(): void;
}

/**
 * The 1:1 line on this node: socket handlers for workers (ask, cancel,
 * where am I), on-call volunteers (on/off call, accept, decline), drop-in
 * facilitators (step aside) and both sides of a call (join, side-chat,
 * signalling, end); and the matcher, run every second and after every
 * change. All state is in PostgreSQL, so any node can serve any socket and
 * every node may run the matcher at once.
 */
export function startTalk(deps: NodeDeps, options: TalkOptions = {}): TalkService {
  const { io, db, logger } = deps;
  let running = false;
  let again = false;
  let stopped = false;
  let lastHeartbeat = 0;
  const heartbeatEveryMs = options.heartbeatEveryMs ?? 10_000;

  const notifyClosed = (closed: ClosedOffer[]) => {
    for (const c of closed) {
      io.to(personRoom(c.volunteerId)).emit("talk:offer-closed", { offerId: c.offerId, reason: c.reason });
      if (c.requester) io.to(channelOf(c.requester)).emit("talk:changed");
    }
  };

  const tick = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const now = deps.now();
        if (now.getTime() - lastHeartbeat >= heartbeatEveryMs) {
          await heartbeatTalkNode(db, deps.nodeId, now);
          lastHeartbeat = now.getTime();
        }
        const r = await dispatchOffers(db, now, { abandonAfterMs: options.abandonAfterMs });
        notifyClosed(r.closed);
        for (const o of r.offered) {
          io.to(personRoom(o.volunteerId)).emit("talk:offer", o.offer);
          io.to(channelOf(o.requester)).emit("talk:changed");
          // The offer itself, to a locked phone; it expires with the offer, which still passes on at its timeout.
          const ttlSeconds = Math.max(1, Math.round((Date.parse(o.offer.expiresAt) - now.getTime()) / 1000));
          void options.push?.send(
            { kind: "person", id: o.volunteerId },
            "offers",
            { kind: "talk-offer", offerId: o.offer.offerId, answerWithinSeconds: ttlSeconds },
            { ttlSeconds },
          );
        }
        for (const personId of r.offCall) io.to(personRoom(personId)).emit("oncall:changed");
        if (r.left.length > 0) {
          // Closed after the grace: the queue moved up, and volunteers see fewer waiting.
          io.to(ONCALL_ROOM).emit("oncall:changed");
          for (const who of r.left) io.to(channelOf(who)).emit("talk:changed");
          logger.info({ left: r.left.length }, "talk requests closed: the worker left");
        }
        for (const callId of r.abandoned) {
          void deps.audio.endCall(callId);
          const view = await loadCallView(db, callId, now);
          if (view) io.to(callChannel(callId)).emit("call:state", view);
        }
        if (r.closed.length + r.offered.length + r.left.length > 0) {
          io.to(TALK_WAITING_ROOM).emit("talk:changed");
          logger.info({ offered: r.offered.length, closed: r.closed.length }, "talk queue moved");
        }
      } while (again && !stopped);
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "talk matcher failed; will retry");
    } finally {
      running = false;
    }
  };
  const kick = () => void tick();
  const timer = setInterval(kick, options.dispatchEveryMs ?? 1000);
  timer.unref();

  io.on("call:ended", (callId: unknown, view: unknown) => {
    if (typeof callId === "string") closeCallHere(io, callId, (view ?? null) as Omit<CallView, "me"> | null);
  });
  io.on("connection", (socket) => registerTalkHandlers(socket, deps, { kick, notifyClosed, push: options.push }));

  return {
    kick,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

function registerTalkHandlers(
  socket: Socket,
  deps: NodeDeps,
  service: { kick(): void; notifyClosed(closed: ClosedOffer[]): void; push?: PushSender },
): void {
  const { io, db, logger } = deps;
  const limits = socketLimits(socket.id, "talk");
  const { signals, allowed, signalAllowed } = limits;

  const run = async (command: TalkCommand): Promise<TalkAck<TalkReply>> => {
    const actor = socket.data.actor;
    const who = identityOf(actor);
    const key = who && channelOf(who);
    const now = deps.now();
    const volunteerId = actor.kind === "person" && can(actor, "oncall.start") ? actor.personId : null;
    const needVolunteer = () => error("forbidden", "Only approved volunteers can be on call.");

    switch (command.name) {
      case "talk:request": {
        if (!can(actor, "talk.request") || !who) return error("forbidden", "Choose a nickname first.");
        const r = await requestTalk(db, {
          requester: who,
          preferences: command.payload,
          now,
          page: { socketId: socket.id, nodeId: deps.nodeId },
        });
        if (!r.ok) return r;
        socket.data.waiting = { requester: who };
        await socket.join(TALK_WAITING_ROOM);
        io.to(ONCALL_ROOM).emit("oncall:changed");
        service.kick();
        return { ok: true, data: { requestId: r.requestId, status: await talkStatus(db, { requester: who, now }) } };
      }
      case "talk:cancel": {
        if (!who) return error("forbidden", "Choose a nickname first.");
        const r = await cancelTalk(db, { requestId: command.payload.requestId, requester: who, now });
        if (!r.ok) return r;
        service.notifyClosed(r.withdrawn.map((w) => ({ ...w, requester: who, reason: "withdrawn" })));
        await socket.leave(TALK_WAITING_ROOM);
        io.to(ONCALL_ROOM).emit("oncall:changed");
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        service.kick();
        return { ok: true, data: { status: await talkStatus(db, { requester: who, now }) } };
      }
      case "talk:sync": {
        if (!who) return { ok: true, data: { status: await talkStatus(db, { requester: null, now }) } };
        let status = await talkStatus(db, { requester: who, now });
        if (status.state === "waiting") {
          // A page (back) on a waiting request: it stays alive, and a reconnect inside the grace keeps its place.
          const back = !socket.data.waiting;
          await touchWaitingPresence(db, { socketId: socket.id, requester: who, nodeId: deps.nodeId, now });
          socket.data.waiting = { requester: who };
          await socket.join(TALK_WAITING_ROOM);
          if (back) {
            status = await talkStatus(db, { requester: who, now });
            io.to(TALK_WAITING_ROOM).emit("talk:changed");
            io.to(ONCALL_ROOM).emit("oncall:changed");
            service.kick();
          }
        }
        return { ok: true, data: { status } };
      }
      case "oncall:start": {
        if (!volunteerId) return needVolunteer();
        const r = await startOnCall(db, { personId: volunteerId, slotId: command.payload.slotId, now });
        if (!r.ok) return r;
        await touchOnCallPresence(db, { socketId: socket.id, personId: volunteerId, nodeId: deps.nodeId, now });
        socket.data.onCall = { personId: volunteerId };
        await socket.join(ONCALL_ROOM);
        io.to(personRoom(volunteerId)).emit("oncall:changed");
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        service.kick();
        return { ok: true, data: { onCall: await onCallStatus(db, { personId: volunteerId, now }) } };
      }
      case "oncall:stop": {
        if (!volunteerId) return needVolunteer();
        service.notifyClosed(await stopOnCall(db, { personId: volunteerId, now }));
        io.to(personRoom(volunteerId)).emit("oncall:changed");
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        service.kick();
        return { ok: true, data: { onCall: await onCallStatus(db, { personId: volunteerId, now }) } };
      }
      case "oncall:sync": {
        if (!volunteerId) return needVolunteer();
        const status = await onCallStatus(db, { personId: volunteerId, now });
        if (status.onCall) {
          await touchOnCallPresence(db, { socketId: socket.id, personId: volunteerId, nodeId: deps.nodeId, now });
          socket.data.onCall = { personId: volunteerId };
          await socket.join(ONCALL_ROOM);
          service.kick();
        }
        return { ok: true, data: { onCall: status } };
      }
      case "talk:accept": {
        if (!volunteerId) return needVolunteer();
        const r = await acceptOffer(db, { offerId: command.payload.offerId, volunteerId, now });
        if (!r.ok) return r;
        io.to(channelOf(r.requester)).emit("talk:matched", { callId: r.callId });
        // For a worker whose page is in the background or whose phone is locked.
        void service.push?.send(r.requester, "talk", { kind: "talk-ready", callId: r.callId }, { ttlSeconds: 120 });
        io.to(personRoom(volunteerId)).emit("talk:offer-closed", {
          offerId: command.payload.offerId,
          reason: "accepted",
        });
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        io.to(ONCALL_ROOM).emit("oncall:changed");
        logger.info("talk offer accepted");
        return { ok: true, data: { callId: r.callId } };
      }
      case "talk:decline": {
        if (!volunteerId) return needVolunteer();
        const r = await declineOffer(db, { offerId: command.payload.offerId, volunteerId, now });
        if (!r.ok) return r;
        service.notifyClosed(r.closed);
        service.kick();
        return { ok: true };
      }
      case "talk:step-aside": {
        const room = socket.data.room;
        if (!room) return error("forbidden", "Only this session's facilitators can do that.");
        const context = await loadRoomContext(db, room.occurrenceId);
        if (!context || !can(actor, "room.moderate", { facilitatorIds: context.facilitatorIds }))
          return error("forbidden", "Only this session's facilitators can do that.");
        const targets = await io.in(roomMemberChannel(room.occurrenceId, command.payload.participantId)).fetchSockets();
        const target = targets.map((t) => identityOf(t.data.actor)).find((k) => !!k);
        if (!target) return error("not_found", "That participant is not in the room any more.");
        const r = await stepAside(db, {
          requester: target,
          occurrenceId: room.occurrenceId,
          byPersonId: actor.kind === "person" ? actor.personId : null,
          now,
        });
        if (!r.ok) return r;
        io.to(channelOf(target)).emit("talk:stepped-aside", { requestId: r.requestId });
        io.to(ONCALL_ROOM).emit("oncall:changed");
        service.kick();
        return { ok: true, data: { requestId: r.requestId } };
      }
      case "call:join": {
        const callId = command.payload.callId;
        const side = await callSide(db, { callId, identity: who });
        if (!side) return error("not_found", "That call could not be found.");
        if (side.status === "ACTIVE") {
          socket.data.call = { callId, side: side.side };
          await socket.join([callChannel(callId), sideChannel(callId, side.side)]);
          await touchCallPresence(db, { socketId: socket.id, callId, side: side.side, nodeId: deps.nodeId, now });
        }
        const view = await loadCallView(db, callId, now);
        if (!view) return error("not_found", "That call could not be found.");
        if (side.status !== "ACTIVE") return { ok: true, data: { call: { ...view, me: side.side } } };
        io.to(callChannel(callId)).emit("call:state", view);
        // callSide found this identity on the call, so the key is there.
        const audio = await deps.audio.callJoinInfo(callId, { identityKey: key!, side: side.side });
        return { ok: true, data: { call: { ...view, me: side.side }, audio } };
      }
      case "call:audio-token": {
        // A fresh token for a side already in the call (their audio is reconnecting); none once it ended.
        const call = socket.data.call;
        if (!call) return error("not_found", "Join the call first.");
        const side = await callSide(db, { callId: call.callId, identity: who });
        if (!side || side.side !== call.side) return error("not_found", "That call could not be found.");
        if (side.status !== "ACTIVE") return error("ended", "This call has ended.");
        return {
          ok: true,
          data: { audio: await deps.audio.callJoinInfo(call.callId, { identityKey: key!, side: side.side }) },
        };
      }
      case "call:chat": {
        const call = socket.data.call;
        if (!call) return error("not_found", "Join the call first.");
        // Relayed live, never stored: side-chat does not outlive the call.
        io.to(callChannel(call.callId)).emit("call:chat", {
          from: call.side,
          text: command.payload.text,
          at: now.getTime(),
        });
        return { ok: true };
      }
      case "call:end": {
        const call = socket.data.call;
        if (!call) return error("not_found", "Join the call first.");
        const r = await endCall(db, { callId: call.callId, side: call.side, now });
        if (!r.ok) return r;
        const view = await loadCallView(db, call.callId, now);
        closeCallHere(io, call.callId, view);
        io.serverSideEmit("call:ended", call.callId, view);
        // Both sides leave the audio too: the call's LiveKit room is deleted (nothing to do on the mesh).
        void deps.audio.endCall(call.callId);
        io.to(personRoom(r.volunteerId)).emit("oncall:changed");
        service.kick();
        logger.info({ by: call.side }, "talk call ended");
        return { ok: true };
      }
    }
  };

  let commandSeq = 0;
  registerCommands(socket, {
    names: TALK_COMMANDS,
    limits,
    alsoLimitedBy: (name) => (name === "call:chat" ? limits.chat : null),
    parse: parseTalkCommand,
    // Counted against the node's limit (busy when too much is waiting), but not queued behind the
    // person's other commands: a second "ask" held until the first was answered could find it
    // matched already and open another request (requestTalk's checks are not atomic with matching).
    key: () => `talk:${socket.id}:${++commandSeq}`,
    gate: deps.gate,
    kind: "talk",
    logger,
    run: (command) => run(command),
  });

  socket.on("call:signal", async (payload: unknown, ack?: unknown) => {
    const reply = (r: TalkAck) => {
      if (typeof ack === "function") (ack as (r: TalkAck) => void)(r);
    };
    const parsed = callSignal.safeParse(payload);
    if (!parsed.success) {
      if (!(await allowed(signals))) return reply(error("rate_limited", SIGNALS_RATE_LIMITED));
      return reply(error("invalid", parsed.error.issues[0]?.message ?? "Invalid signal"));
    }
    if (!(await signalAllowed(parsed.data.signal))) return reply(error("rate_limited", SIGNALS_RATE_LIMITED));
    const call = socket.data.call;
    if (!call) return reply(error("not_found", "Join the call first."));
    // `from` is the side the server knows this socket is on, never taken from the payload.
    io.to(sideChannel(call.callId, parsed.data.to)).emit("rtc:signal", { from: call.side, signal: parsed.data.signal });
    reply({ ok: true });
  });

  socket.on("disconnect", () => {
    if (!socket.data.onCall && !socket.data.call && !socket.data.waiting) return;
    void (async () => {
      const now = deps.now();
      const { closed, callIds } = await dropTalkPresence(db, { socketId: socket.id, now });
      service.notifyClosed(closed);
      if (socket.data.waiting) {
        // Positions count only workers who are here: those behind move up (and back if this one returns).
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        io.to(ONCALL_ROOM).emit("oncall:changed");
      }
      for (const callId of callIds) {
        const view = await loadCallView(db, callId, now);
        if (view) io.to(callChannel(callId)).emit("call:state", view);
      }
      if (closed.length > 0) service.kick();
    })().catch((err: unknown) =>
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "talk presence cleanup failed"),
    );
  });
}
