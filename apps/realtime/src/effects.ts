import {
  callChannel,
  callSideChannel,
  channelOf,
  personChannel,
  roomChannel,
  roomMemberChannel,
  type CallView,
  type RoomEffect,
  type TalkEffect,
} from "@offshift/core";
import type { NodeDeps } from "./deps.js";
import type { PushSender } from "./push.js";

/**
 * Realtime's one place that carries out what use cases return as effects, once
 * they have committed: a live room's (packages/db/src/room/command.ts) and the
 * 1:1 line's (packages/db/src/talk/use-cases.ts). Web has its own, for its own.
 */

/** Workers with an open request: told to refresh their position when the queue moves. */
export const TALK_WAITING_ROOM = "talk:waiting";
/** On-call volunteers' open pages: told when the number waiting changes. */
export const ONCALL_ROOM = "oncall";

/**
 * A call ended: this node's sockets in it are told its final state, then taken
 * out of its channels. Every node does this for its own sockets (the node that
 * ended it, and the others on `call:ended`), so the state cannot reach a
 * socket after its leave: across the cluster adapter the two would travel
 * separately and could arrive in either order. The leave waits a tick because
 * the adapter sends a broadcast on the next tick.
 */
export function closeCallHere(io: NodeDeps["io"], callId: string, view: Omit<CallView, "me"> | null): void {
  const channel = callChannel(callId);
  if (view) io.local.to(channel).emit("call:state", view);
  process.nextTick(() =>
    io.local
      .in(channel)
      .socketsLeave([channel, callSideChannel(callId, "worker"), callSideChannel(callId, "volunteer")]),
  );
}

/**
 * Realtime's one dispatcher for what the 1:1 line's use cases return as
 * `effects` (packages/db/src/talk/use-cases.ts), run after they committed, in
 * the order listed: live events to the pages concerned (through the adapter,
 * so every node's sockets hear them), pushes to devices, the audio room, and
 * another matching pass.
 */
export function dispatchTalkEffects(
  deps: NodeDeps,
  services: { kick(): void; push?: PushSender | undefined },
  effects: readonly TalkEffect[],
): void {
  const { io, logger } = deps;
  for (const effect of effects) {
    switch (effect.kind) {
      case "talkOffersClosed":
        for (const c of effect.offers) {
          io.to(personChannel(c.volunteerId)).emit("talk:offer-closed", {
            offerId: c.offerId,
            reason: c.reason ?? "withdrawn",
          });
          if (c.requester) io.to(channelOf(c.requester)).emit("talk:changed");
        }
        break;
      case "talkOfferMade":
        io.to(personChannel(effect.volunteerId)).emit("talk:offer", effect.offer);
        io.to(channelOf(effect.requester)).emit("talk:changed");
        // The offer itself, to a locked phone; it expires with the offer, which still passes on at its timeout.
        void services.push?.send(
          { kind: "person", id: effect.volunteerId },
          "offers",
          { kind: "talk-offer", offerId: effect.offer.offerId, answerWithinSeconds: effect.answerWithinSeconds },
          { ttlSeconds: effect.answerWithinSeconds },
        );
        break;
      case "talkAccepted":
        io.to(channelOf(effect.requester)).emit("talk:matched", { callId: effect.callId });
        // For a worker whose page is in the background or whose phone is locked.
        void services.push?.send(
          effect.requester,
          "talk",
          { kind: "talk-ready", callId: effect.callId },
          { ttlSeconds: 120 },
        );
        io.to(personChannel(effect.volunteerId)).emit("talk:offer-closed", {
          offerId: effect.offerId,
          reason: "accepted",
        });
        logger.info("talk offer accepted");
        break;
      case "talkSteppedAside":
        io.to(channelOf(effect.requester)).emit("talk:stepped-aside", { requestId: effect.requestId });
        break;
      case "talkRequestChanged":
        io.to(channelOf(effect.requester)).emit("talk:changed");
        break;
      case "talkQueueMoved":
        io.to(TALK_WAITING_ROOM).emit("talk:changed");
        break;
      case "onCallWaitingChanged":
        io.to(ONCALL_ROOM).emit("oncall:changed");
        break;
      case "onCallChanged":
        io.to(personChannel(effect.personId)).emit("oncall:changed");
        break;
      case "matchTalk":
        services.kick();
        break;
      case "callState":
        io.to(callChannel(effect.callId)).emit("call:state", effect.view);
        break;
      case "callEnded":
        closeCallHere(io, effect.callId, effect.view);
        io.serverSideEmit("call:ended", effect.callId, effect.view);
        // Both sides leave the audio too: the call's LiveKit room is deleted (nothing to do on the mesh).
        void deps.audio.endCall(effect.callId);
        logger.info({ by: effect.by }, "talk call ended");
        break;
      case "callAudioClosed":
        void deps.audio.endCall(effect.callId);
        break;
    }
  }
}

/**
 * What a live-room command returned as effects, in order: side-chat to the
 * room, a removal (one message to every node: each takes the member's sockets
 * out and tells them, see followRoomExits in rooms.ts; a separate notice could
 * arrive after the leave on another node, and be lost), the end, a flag in the
 * log (never its words), and the audio server following the room (LiveKit
 * mute/remove/end: it never throws, and never holds up the reply).
 */
export function dispatchRoomEffects(deps: NodeDeps, occurrenceId: string, effects: readonly RoomEffect[]): void {
  const { io, logger } = deps;
  const channel = roomChannel(occurrenceId);
  for (const effect of effects) {
    if (effect.kind === "chat") {
      io.to(channel).emit("room:chat", {
        seq: effect.seq,
        from: effect.from,
        name: effect.name,
        text: effect.text,
        at: effect.at,
      });
    } else if (effect.kind === "removed") {
      const target = roomMemberChannel(occurrenceId, effect.memberId);
      io.in(target).socketsLeave([target, channel]);
    } else if (effect.kind === "ended") {
      io.to(channel).emit("room:ended", { occurrenceId });
    } else if (effect.kind === "flag") {
      logger.info({ occurrenceId, category: effect.category }, "safeguarding concern flagged");
    }
    if (effect.kind !== "chat" && effect.kind !== "flag") void deps.audio.onEffect(occurrenceId, effect);
  }
}
