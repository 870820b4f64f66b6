import { callChannel, callSideChannel, channelOf, personChannel, type CallView, type TalkEffect } from "@offshift/core";
import type { NodeDeps } from "./deps.js";
import type { PushSender } from "./push.js";

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
