import { z } from "zod";
import {
  TALK_COMMANDS,
  channelOf,
  identityOf,
  parseTalkCommand,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type CallView,
  type Refusal,
  type TalkAck,
  type TalkCommand,
  type TalkError,
  type TalkErrorCode,
  type TalkReply,
  meshSignal,
  callChannel,
  callSideChannel,
  roomMemberChannel,
} from "@offshift/core";
import {
  acceptTalkOffer,
  askToTalk,
  callSide,
  cancelTalkRequest,
  declineTalkOffer,
  goOffCall,
  goOnCall,
  hangUp,
  heartbeatTalkNode,
  joinCall,
  leaveTalkPage,
  runTalkMatcher,
  stepAsideFromRoom,
  syncOnCall,
  syncTalk,
} from "@offshift/db";
import type { Socket as IoSocket } from "socket.io";
import type { NodeDeps } from "./deps.js";
import { registerCommands } from "./commands.js";
import { SIGNALS_RATE_LIMITED, socketLimits } from "./limits.js";
import type { PushSender } from "./push.js";
import { closeCallHere, dispatchTalkEffects, ONCALL_ROOM, TALK_WAITING_ROOM } from "./effects.js";

type Socket = IoSocket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export { callChannel, ONCALL_ROOM, TALK_WAITING_ROOM };

/** Mesh signalling inside a call: to the other side, bounded and shaped here (never stored). */
const callSignal = z.object({
  to: z.enum(["worker", "volunteer"], { error: "Unknown participant" }),
  signal: meshSignal,
});

const error = (code: TalkError["code"], message: string): TalkAck<never> => ({ ok: false, error: { code, message } });

/** Realtime's one mapper from a use case's refusal to the socket acknowledgement (its code and plain words). */
const ackOf = (refusal: Refusal<TalkErrorCode>): TalkAck<never> => error(refusal.code, refusal.message);

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

interface Services {
  kick(): void;
  push?: PushSender | undefined;
}

/**
 * The 1:1 line on this node: socket handlers for workers (ask, cancel,
 * where am I), on-call volunteers (on/off call, accept, decline), drop-in
 * facilitators (step aside) and both sides of a call (join, side-chat,
 * signalling, end); and the matcher, run every second and after every
 * change. All state is in PostgreSQL, so any node can serve any socket and
 * every node may run the matcher at once. Each handler calls one use case of
 * packages/db/src/talk/use-cases.ts and hands its effects to effects.ts.
 */
export function startTalk(deps: NodeDeps, options: TalkOptions = {}): TalkService {
  const { io, db, logger } = deps;
  let running = false;
  let again = false;
  let stopped = false;
  let lastHeartbeat = 0;
  const heartbeatEveryMs = options.heartbeatEveryMs ?? 10_000;
  const services: Services = { kick: () => kick(), push: options.push };

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
        const { result: r, effects } = await runTalkMatcher(db, now, { abandonAfterMs: options.abandonAfterMs });
        dispatchTalkEffects(deps, services, effects);
        if (r.left.length > 0) logger.info({ left: r.left.length }, "talk requests closed: the worker left");
        if (r.closed.length + r.offered.length + r.left.length > 0)
          logger.info({ offered: r.offered.length, closed: r.closed.length }, "talk queue moved");
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
  io.on("connection", (socket) => registerTalkHandlers(socket, deps, services));

  return {
    kick,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

function registerTalkHandlers(socket: Socket, deps: NodeDeps, services: Services): void {
  const { io, db, logger } = deps;
  const limits = socketLimits(socket.id, "talk");
  const { signals, allowed, signalAllowed } = limits;
  const page = { socketId: socket.id, nodeId: deps.nodeId };
  const dispatch = (effects: Parameters<typeof dispatchTalkEffects>[2]) => dispatchTalkEffects(deps, services, effects);

  // Parse, rate limit and gate are the pipeline's (commands.ts); each case: the use case, the socket's own
  // channels and state, the effects, the acknowledgement.
  const run = async (command: TalkCommand): Promise<TalkAck<TalkReply>> => {
    const actor = socket.data.actor;
    const now = deps.now();

    switch (command.name) {
      case "talk:request": {
        const r = await askToTalk(db, { actor, preferences: command.payload, page, now });
        if (!r.ok) return ackOf(r);
        socket.data.waiting = { requester: r.requester };
        await socket.join(TALK_WAITING_ROOM);
        dispatch(r.effects);
        return { ok: true, data: { requestId: r.requestId, status: r.status } };
      }
      case "talk:cancel": {
        const r = await cancelTalkRequest(db, { actor, requestId: command.payload.requestId, now });
        if (!r.ok) return ackOf(r);
        await socket.leave(TALK_WAITING_ROOM);
        dispatch(r.effects);
        return { ok: true, data: { status: r.status } };
      }
      case "talk:sync": {
        const r = await syncTalk(db, { actor, page, pageWasWaiting: !!socket.data.waiting, now });
        if (!r.ok) return ackOf(r);
        if (r.waiting) {
          // A page (back) on a waiting request: it stays alive, and a reconnect inside the grace keeps its place.
          socket.data.waiting = { requester: r.waiting };
          await socket.join(TALK_WAITING_ROOM);
        }
        dispatch(r.effects);
        return { ok: true, data: { status: r.status } };
      }
      case "oncall:start": {
        const r = await goOnCall(db, { actor, slotId: command.payload.slotId, page, now });
        if (!r.ok) return ackOf(r);
        socket.data.onCall = { personId: r.personId };
        await socket.join(ONCALL_ROOM);
        dispatch(r.effects);
        return { ok: true, data: { onCall: r.onCall } };
      }
      case "oncall:stop": {
        const r = await goOffCall(db, { actor, now });
        if (!r.ok) return ackOf(r);
        dispatch(r.effects);
        return { ok: true, data: { onCall: r.onCall } };
      }
      case "oncall:sync": {
        const r = await syncOnCall(db, { actor, page, now });
        if (!r.ok) return ackOf(r);
        if (r.onCall.onCall) {
          socket.data.onCall = { personId: r.personId };
          await socket.join(ONCALL_ROOM);
        }
        dispatch(r.effects);
        return { ok: true, data: { onCall: r.onCall } };
      }
      case "talk:accept": {
        const r = await acceptTalkOffer(db, { actor, offerId: command.payload.offerId, now });
        if (!r.ok) return ackOf(r);
        dispatch(r.effects);
        return { ok: true, data: { callId: r.callId } };
      }
      case "talk:decline": {
        const r = await declineTalkOffer(db, { actor, offerId: command.payload.offerId, now });
        if (!r.ok) return ackOf(r);
        dispatch(r.effects);
        return { ok: true };
      }
      case "talk:step-aside": {
        // Who that member of the facilitator's room is: whichever of their sockets is here says.
        const room = socket.data.room;
        const sockets = room
          ? await io.in(roomMemberChannel(room.occurrenceId, command.payload.participantId)).fetchSockets()
          : [];
        const participant = sockets.map((t) => identityOf(t.data.actor)).find((who) => !!who) ?? null;
        const r = await stepAsideFromRoom(db, { actor, occurrenceId: room?.occurrenceId ?? null, participant, now });
        if (!r.ok) return ackOf(r);
        dispatch(r.effects);
        return { ok: true, data: { requestId: r.requestId } };
      }
      case "call:join": {
        const callId = command.payload.callId;
        const r = await joinCall(db, { actor, callId, page, now });
        if (!r.ok) return ackOf(r);
        if (!r.active) return { ok: true, data: { call: { ...r.call, me: r.side } } };
        socket.data.call = { callId, side: r.side };
        await socket.join([callChannel(callId), callSideChannel(callId, r.side)]);
        dispatch(r.effects);
        const audio = await deps.audio.callJoinInfo(callId, { identityKey: channelOf(r.identity), side: r.side });
        return { ok: true, data: { call: { ...r.call, me: r.side }, audio } };
      }
      case "call:audio-token": {
        // A fresh token for a side already in the call (their audio is reconnecting); none once it ended.
        const call = socket.data.call;
        if (!call) return error("not_found", "Join the call first.");
        const identity = identityOf(actor);
        const side = await callSide(db, { callId: call.callId, identity });
        if (!side || !identity || side.side !== call.side) return error("not_found", "That call could not be found.");
        if (side.status !== "ACTIVE") return error("ended", "This call has ended.");
        return {
          ok: true,
          data: {
            audio: await deps.audio.callJoinInfo(call.callId, { identityKey: channelOf(identity), side: side.side }),
          },
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
        const r = await hangUp(db, { actor, callId: call.callId, now });
        if (!r.ok) return ackOf(r);
        dispatch(r.effects);
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
    io.to(callSideChannel(call.callId, parsed.data.to)).emit("rtc:signal", {
      from: call.side,
      signal: parsed.data.signal,
    });
    reply({ ok: true });
  });

  socket.on("disconnect", () => {
    if (!socket.data.onCall && !socket.data.call && !socket.data.waiting) return;
    void (async () => {
      const r = await leaveTalkPage(db, { socketId: socket.id, wasWaiting: !!socket.data.waiting, now: deps.now() });
      dispatch(r.effects);
    })().catch((err: unknown) =>
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "talk presence cleanup failed"),
    );
  });
}
