import express, { type Router } from "express";
import {
  AccessToken,
  RoomServiceClient,
  TrackSource,
  TrackType,
  WebhookReceiver,
  type VideoGrant,
} from "livekit-server-sdk";
import type { Logger } from "pino";
import { MEMBER_ID, MESH_FULL_MESSAGE, MESH_MAX_MEMBERS, type RoomAudio, type RoomEffect } from "@offshift/core";
import { readRoom, touchPresence, type Db } from "@offshift/db";

/**
 * How a live room's audio travels, as the socket layer sees it. rooms.ts asks
 * the backend what to tell a joining member (`joinInfo`) and tells it what
 * the room's rules just decided (`onEffect`); it never knows which one it is.
 */
export interface AudioBackend {
  readonly kind: RoomAudio["kind"];
  /**
   * The most members (facilitators included) one room may hold, with the
   * refusal to give beyond it; undefined: the room's own capacity is the limit.
   */
  readonly maxMembers?: { count: number; message: string };
  /** What the client needs to connect its audio (a LiveKit token, or "use the mesh"). */
  joinInfo(occurrenceId: string, member: AudioMember): Promise<RoomAudio>;
  /**
   * Carries out a moderation effect on the audio server. Never throws: the
   * room's state is already decided and stays so; failures are logged.
   */
  onEffect(occurrenceId: string, effect: RoomEffect): Promise<void>;
}

/** A room member as the audio path needs them (from the room's snapshot). */
export interface AudioMember {
  /** The member's per-room alias: their LiveKit identity. */
  id: string;
  /** First name or nickname. */
  name: string;
  facilitator: boolean;
  listenOnly: boolean;
  mutedByFacilitator: boolean;
}

/** The embedded mesh: signalled over Socket.IO, nothing to call, capped at MESH_MAX_MEMBERS. */
export const meshBackend: AudioBackend = {
  kind: "mesh",
  maxMembers: { count: MESH_MAX_MEMBERS, message: MESH_FULL_MESSAGE },
  joinInfo: () => Promise.resolve({ kind: "mesh" }),
  onEffect: () => Promise.resolve(),
};

export interface LiveKitConfig {
  /** LIVEKIT_URL (ws(s)://): browsers connect here; RoomService calls go to its http(s) twin. */
  url: string;
  apiKey: string;
  apiSecret: string;
}

/** Tokens are short-lived: the client asks for a fresh one (room:audio-token) when it reconnects. */
export const LIVEKIT_TOKEN_TTL_SECONDS = 10 * 60;

/**
 * A member's LiveKit permissions in one room (the occurrence id). Audio only:
 * the microphone is the one source anyone may publish, and nobody sends data.
 * Workers publish unless they chose to listen only or a facilitator muted
 * them; facilitators always can, and administer the room.
 */
export function liveKitGrant(occurrenceId: string, member: AudioMember): VideoGrant {
  const canPublish = member.facilitator || (!member.listenOnly && !member.mutedByFacilitator);
  return {
    room: occurrenceId,
    roomJoin: true,
    roomAdmin: member.facilitator,
    canPublish,
    canPublishSources: canPublish ? [TrackSource.MICROPHONE] : [],
    canSubscribe: true,
    canPublishData: false,
  };
}

export async function mintLiveKitToken(
  config: LiveKitConfig,
  occurrenceId: string,
  member: AudioMember,
  ttlSeconds = LIVEKIT_TOKEN_TTL_SECONDS,
): Promise<string> {
  const token = new AccessToken(config.apiKey, config.apiSecret, {
    identity: member.id,
    name: member.name,
    ttl: ttlSeconds,
  });
  token.addGrant(liveKitGrant(occurrenceId, member));
  return token.toJwt();
}

/**
 * The production path. Tokens are minted here; moderation goes to LiveKit's
 * RoomService: a facilitator's mute mutes the member's audio tracks and takes
 * away their right to publish for this connection (every browser also stops
 * playing them), removal disconnects them and revokes the tokens they hold,
 * ending the session deletes the LiveKit room.
 */
export function createLiveKitBackend(config: LiveKitConfig, logger: Logger): AudioBackend {
  const rooms = new RoomServiceClient(config.url, config.apiKey, config.apiSecret, { requestTimeout: 5 });
  const attempt = async (what: string, occurrenceId: string, memberId: string | null, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (err) {
      logger.warn(
        { occurrenceId, member: memberId, err: err instanceof Error ? err.message : String(err) },
        `LiveKit ${what} failed; the room's own rules still apply`,
      );
    }
  };
  return {
    kind: "livekit",
    async joinInfo(occurrenceId, member) {
      return { kind: "livekit", url: config.url, token: await mintLiveKitToken(config, occurrenceId, member) };
    },
    async onEffect(occurrenceId, effect) {
      if (effect.kind === "muted") {
        const identity = effect.memberId;
        await attempt("mute", occurrenceId, identity, async () => {
          const participant = await rooms.getParticipant(occurrenceId, identity);
          for (const track of participant.tracks)
            if (track.type === TrackType.AUDIO) await rooms.mutePublishedTrack(occurrenceId, identity, track.sid, true);
        });
        // They cannot unmute themselves on this connection either (new tokens carry no publish grant).
        await attempt("permission update", occurrenceId, identity, () =>
          rooms.updateParticipant(occurrenceId, identity, {
            permission: { canPublish: false, canSubscribe: true, canPublishData: false },
          }),
        );
      } else if (effect.kind === "removed") {
        await attempt("remove", occurrenceId, effect.memberId, () =>
          rooms.removeParticipant(occurrenceId, effect.memberId, {
            // Tokens issued before now stop working: removal sticks on the audio server too.
            revokeTokenTs: BigInt(Math.floor(Date.now() / 1000) + 1),
          }),
        );
      } else if (effect.kind === "ended") {
        await attempt("room delete", occurrenceId, null, () => rooms.deleteRoom(occurrenceId));
      }
    },
  };
}

export interface LiveKitWebhookDeps {
  config: LiveKitConfig;
  db: Db;
  nodeId: string;
  logger: Logger;
  now: () => Date;
}

/** The presence row a LiveKit connection keeps for a member (beside their sockets' rows). */
export const liveKitPresenceId = (identity: string) => `livekit:${identity}`;

const OCCURRENCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /livekit/webhook: LiveKit's signed notifications. The body is kept raw
 * and checked against the JWT in the Authorization header (its sha256 claim)
 * with the SDK's WebhookReceiver; anything unsigned or altered is refused with
 * 401 and changes nothing. participant_joined keeps the member present while
 * they are connected to the audio; participant_left lets that go (the room
 * keeper then takes them out if no socket holds them either). Repeats are
 * harmless.
 */
export function liveKitWebhookRouter(deps: LiveKitWebhookDeps): Router {
  const { db, logger } = deps;
  const receiver = new WebhookReceiver(deps.config.apiKey, deps.config.apiSecret);
  const router = express.Router();
  router.post("/livekit/webhook", express.raw({ type: () => true, limit: "64kb" }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    let event;
    try {
      event = await receiver.receive(body, req.get("authorization"));
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "LiveKit webhook refused");
      res.status(401).json({ error: "UNAUTHORIZED" });
      return;
    }
    try {
      const occurrenceId = event.room?.name ?? "";
      const identity = event.participant?.identity ?? "";
      if (!OCCURRENCE_ID.test(occurrenceId)) {
        res.json({ ok: true, ignored: "not one of our rooms" });
        return;
      }
      if (event.event === "participant_joined" && MEMBER_ID.test(identity)) {
        // Only a current member counts: a late "joined" for someone removed or gone changes nothing.
        const snapshot = await readRoom(db, occurrenceId);
        if (snapshot?.phase !== "ended" && snapshot?.members.some((m) => m.id === identity))
          await touchPresence(db, {
            socketId: liveKitPresenceId(identity),
            occurrenceId,
            memberId: identity,
            nodeId: deps.nodeId,
            now: deps.now(),
          });
      } else if (
        (event.event === "participant_left" || event.event === "participant_connection_aborted") &&
        MEMBER_ID.test(identity)
      ) {
        await db.roomPresence.deleteMany({ where: { socketId: liveKitPresenceId(identity), occurrenceId } });
      } else if (event.event === "room_finished") {
        // Everyone has left the audio server's room. The session itself ends only by its own rules.
        const snapshot = await readRoom(db, occurrenceId);
        await db.roomPresence.deleteMany({ where: { occurrenceId, socketId: { startsWith: "livekit:" } } });
        logger.info({ occurrenceId, phase: snapshot?.phase ?? "none" }, "LiveKit room finished");
      }
      res.json({ ok: true });
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "LiveKit webhook failed");
      // LiveKit retries on errors; the handling above is idempotent.
      res.status(500).json({ error: "RETRY" });
    }
  });
  return router;
}
