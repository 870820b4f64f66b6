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
import {
  CALL_AUDIO_MAX_PARTICIPANTS,
  MEMBER_ID,
  MESH_FULL_MESSAGE,
  MESH_MAX_MEMBERS,
  callAudioAdmission,
  channelOf,
  mayPublish,
  roomAudioAdmission,
  type AudioAdmission,
  type RoomAudio,
  type RoomEffect,
  type RoomSnapshot,
} from "@offshift/core";
import {
  callParties,
  dropAbsentMember,
  dropVouchedPresence,
  readLiveRoom,
  touchRoomPresence,
  type Db,
} from "@offshift/db";
import { LIVEKIT_PRESENCE_NODE, LIVEKIT_PRESENCE_PREFIX, liveKitPresenceId, memberAlias } from "./identities.js";

export { liveKitPresenceId };

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
  /**
   * A member's right to publish changed by their own choice (listen-only to
   * speaking): the audio server follows. Never throws.
   */
  syncMember(occurrenceId: string, member: AudioMember): Promise<void>;
  /** What one side of a 1:1 call needs to connect its audio (a token for the call's own room, or the mesh). */
  callJoinInfo(callId: string, party: CallAudioParty): Promise<RoomAudio>;
  /** The call ended (by a side, or abandoned): its audio room closes, disconnecting both. Never throws. */
  endCall(callId: string): Promise<void>;
}

/** One side of a 1:1 call as the audio path needs it. */
export interface CallAudioParty {
  /** The side's identity key (guest:<id> or person:<id>): aliased, never sent to the audio server. */
  identityKey: string;
  side: "worker" | "volunteer";
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
  syncMember: () => Promise.resolve(),
  callJoinInfo: () => Promise.resolve({ kind: "mesh" }),
  endCall: () => Promise.resolve(),
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
  const canPublish = mayPublish(member);
  return {
    room: liveKitRoomName.dropIn(occurrenceId),
    roomJoin: true,
    roomAdmin: member.facilitator,
    canPublish,
    canPublishSources: canPublish ? [TrackSource.MICROPHONE] : [],
    canSubscribe: true,
    canPublishData: false,
  };
}

/**
 * The audio server's room names, built here and only here: a drop-in's is its
 * occurrence id; a 1:1 call's is `call-` and the call's random id (nobody can
 * guess it, and the name says nothing about who is in it).
 */
export const liveKitRoomName = {
  dropIn: (occurrenceId: string) => occurrenceId,
  call: (callId: string) => `call-${callId}`,
};

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const DROP_IN_ROOM = new RegExp(`^(${UUID})$`, "i");
const CALL_ROOM = new RegExp(`^call-(${UUID})$`, "i");

/** Which of ours an audio server room is, or null for a name we never hand out. */
export function parseLiveKitRoomName(
  name: string,
): { kind: "drop-in"; occurrenceId: string } | { kind: "call"; callId: string } | null {
  const dropIn = DROP_IN_ROOM.exec(name);
  if (dropIn) return { kind: "drop-in", occurrenceId: dropIn[1]! };
  const call = CALL_ROOM.exec(name);
  return call ? { kind: "call", callId: call[1]! } : null;
}

/** One side's identity in a call's audio room: the same per-room alias as a drop-in member's, never a name or id. */
export const callAudioIdentity = (aliasSecret: string, callId: string, identityKey: string) =>
  memberAlias(aliasSecret, liveKitRoomName.call(callId), identityKey);

/** Both sides of a call speak and hear; nothing else (no data, no camera, no admin). */
export function liveKitCallGrant(callId: string): VideoGrant {
  return {
    room: liveKitRoomName.call(callId),
    roomJoin: true,
    roomAdmin: false,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
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

/** The LiveKit backend: the AudioBackend, and what the webhook needs to enforce the rules on a join. */
export interface LiveKitBackend extends AudioBackend {
  readonly kind: "livekit";
  /** Carries out an admission for a participant the server says joined (remove, or take publishing away). Never throws. */
  enforce(roomName: string, identity: string, admission: AudioAdmission): Promise<void>;
  /** Everyone the server holds in rooms named as ours, with whether they may publish; null when it cannot be asked. */
  participantsInOurRooms(): Promise<Map<string, { identity: string; canPublish: boolean }[]> | null>;
}

/**
 * The production path. Tokens are minted here; moderation goes to LiveKit's
 * RoomService: a facilitator's mute takes away the member's right to publish
 * at the server (a modified client cannot keep talking) and mutes what they
 * had published; removal disconnects them; ending the session or the call
 * deletes the LiveKit room. The webhook enforces the same on every join, so a
 * token minted earlier never outlives the decision. RoomService failures
 * (LiveKit down) are logged: the room's own state is already decided.
 */
export function createLiveKitBackend(config: LiveKitConfig, logger: Logger, aliasSecret: string): LiveKitBackend {
  const rooms = new RoomServiceClient(config.url, config.apiKey, config.apiSecret, { requestTimeout: 5 });
  const attempt = async (what: string, room: string, memberId: string | null, call: () => Promise<unknown>) => {
    try {
      await call();
      return true;
    } catch (err) {
      logger.warn(
        { room, member: memberId, err: err instanceof Error ? err.message : String(err) },
        `LiveKit ${what} failed; the room's own rules still apply`,
      );
      return false;
    }
  };
  const setPublish = async (room: string, identity: string, canPublish: boolean) => {
    if (!canPublish) {
      // Permission first: from this moment the server refuses their publishing, whatever the client does.
      await attempt("permission update", room, identity, () =>
        rooms.updateParticipant(room, identity, {
          permission: { canPublish: false, canPublishSources: [], canSubscribe: true, canPublishData: false },
        }),
      );
      await attempt("mute", room, identity, async () => {
        const participant = await rooms.getParticipant(room, identity);
        for (const track of participant.tracks)
          if (track.type === TrackType.AUDIO) await rooms.mutePublishedTrack(room, identity, track.sid, true);
      });
    } else {
      await attempt("permission update", room, identity, () =>
        rooms.updateParticipant(room, identity, {
          permission: {
            canPublish: true,
            canPublishSources: [TrackSource.MICROPHONE],
            canSubscribe: true,
            canPublishData: false,
          },
        }),
      );
    }
  };
  const remove = (room: string, identity: string) =>
    attempt("remove", room, identity, () =>
      rooms.removeParticipant(room, identity, {
        // Tokens issued before now stop working where the server supports it; the webhook check covers the rest.
        revokeTokenTs: BigInt(Math.floor(Date.now() / 1000) + 1),
      }),
    );
  // Call rooms this process created (createRoom is idempotent on the server; this only saves repeats).
  const createdCallRooms = new Set<string>();

  return {
    kind: "livekit",
    async joinInfo(occurrenceId, member) {
      return { kind: "livekit", url: config.url, token: await mintLiveKitToken(config, occurrenceId, member) };
    },
    async onEffect(occurrenceId, effect) {
      const room = liveKitRoomName.dropIn(occurrenceId);
      if (effect.kind === "muted") await setPublish(room, effect.memberId, false);
      else if (effect.kind === "removed") await remove(room, effect.memberId);
      else if (effect.kind === "ended") await attempt("room delete", room, null, () => rooms.deleteRoom(room));
    },
    async syncMember(occurrenceId, member) {
      await setPublish(liveKitRoomName.dropIn(occurrenceId), member.id, mayPublish(member));
    },
    async callJoinInfo(callId, party) {
      const room = liveKitRoomName.call(callId);
      if (!createdCallRooms.has(room)) {
        // Created before any token is handed out, so the server itself holds it to two.
        const created = await attempt("call room create", room, null, () =>
          rooms.createRoom({ name: room, maxParticipants: CALL_AUDIO_MAX_PARTICIPANTS, emptyTimeout: 120 }),
        );
        if (created) createdCallRooms.add(room);
      }
      const token = new AccessToken(config.apiKey, config.apiSecret, {
        identity: callAudioIdentity(aliasSecret, callId, party.identityKey),
        // The side, not a name: both already see each other's first name from the call itself.
        name: party.side,
        ttl: LIVEKIT_TOKEN_TTL_SECONDS,
      });
      token.addGrant(liveKitCallGrant(callId));
      return { kind: "livekit", url: config.url, token: await token.toJwt() };
    },
    async endCall(callId) {
      const room = liveKitRoomName.call(callId);
      createdCallRooms.delete(room);
      await attempt("call room delete", room, null, () => rooms.deleteRoom(room));
    },
    async participantsInOurRooms() {
      try {
        const found = new Map<string, { identity: string; canPublish: boolean }[]>();
        for (const room of await rooms.listRooms()) {
          if (!parseLiveKitRoomName(room.name)) continue;
          const here = await rooms.listParticipants(room.name);
          found.set(
            room.name,
            here.map((p) => ({ identity: p.identity, canPublish: !!p.permission?.canPublish })),
          );
        }
        return found;
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, "LiveKit room check failed");
        return null;
      }
    },
    async enforce(room, identity, admission) {
      if (admission.kind === "remove") {
        logger.info({ room, reason: admission.reason }, "LiveKit participant without a place removed");
        await remove(room, identity);
      } else if (!admission.canPublish) {
        await setPublish(room, identity, false);
      }
    },
  };
}

export interface LiveKitWebhookDeps {
  config: LiveKitConfig;
  backend: LiveKitBackend;
  db: Db;
  /** Keys the per-room aliases (the call sides' identities are checked against them). */
  aliasSecret: string;
  logger: Logger;
  now: () => Date;
  /** A member left the room because every connection of theirs is gone: tell the room. */
  onRoomChanged: (occurrenceId: string, snapshot: RoomSnapshot) => void;
}

/** Core's admission for a participant in one of our rooms, from the state in PostgreSQL now; null for rooms not ours. */
export async function liveKitAdmission(
  db: Db,
  aliasSecret: string,
  roomName: string,
  identity: string,
): Promise<AudioAdmission | null> {
  const ours = parseLiveKitRoomName(roomName);
  if (!ours) return null;
  if (ours.kind === "drop-in") return roomAudioAdmission(await readLiveRoom(db, ours.occurrenceId), identity);
  const parties = await callParties(db, ours.callId);
  const identities = parties
    ? Object.values(parties.parties).flatMap((who) =>
        who ? [callAudioIdentity(aliasSecret, ours.callId, channelOf(who))] : [],
      )
    : [];
  return callAudioAdmission(parties && { status: parties.status, identities }, identity);
}

/**
 * The backstop for a join whose webhook never arrived (realtime was down, the
 * delivery was dropped): asks the server who it holds in our rooms and applies
 * the same admission to each (remove those without a place, take publishing
 * from those who may not speak). Returns who is in each drop-in's room, by
 * occurrence id, for the presence it vouches for; null when it cannot be asked.
 */
export async function sweepLiveKitRooms(deps: {
  backend: LiveKitBackend;
  db: Db;
  aliasSecret: string;
}): Promise<Map<string, Set<string>> | null> {
  const all = await deps.backend.participantsInOurRooms();
  if (!all) return null;
  const byOccurrence = new Map<string, Set<string>>();
  for (const [roomName, participants] of all) {
    const ours = parseLiveKitRoomName(roomName);
    const admitted = new Set<string>();
    for (const p of participants) {
      const admission = await liveKitAdmission(deps.db, deps.aliasSecret, roomName, p.identity);
      if (!admission) continue;
      if (admission.kind === "admit") admitted.add(p.identity);
      if (admission.kind === "remove" || (!admission.canPublish && p.canPublish))
        await deps.backend.enforce(roomName, p.identity, admission);
    }
    if (ours?.kind === "drop-in") byOccurrence.set(ours.occurrenceId, admitted);
  }
  return byOccurrence;
}

/**
 * POST /livekit/webhook: LiveKit's signed notifications. The body is kept raw
 * and checked against the JWT in the Authorization header (its sha256 claim)
 * with the SDK's WebhookReceiver; anything unsigned or altered is refused with
 * 401 and changes nothing; rooms with names we never hand out are ignored.
 * participant_joined is checked against the room's state now (core's
 * admission rules): someone without a seat (removed, gone, a third person in
 * a call, a token from before the end) is removed at once, someone muted by a
 * facilitator loses the right to publish their token still carries. Admitted
 * members are kept present while connected; participant_left lets that go,
 * and a member with no socket left either leaves the room at once. Repeats
 * are harmless.
 */
export function liveKitWebhookRouter(deps: LiveKitWebhookDeps): Router {
  const { db, logger, backend } = deps;
  const receiver = new WebhookReceiver(deps.config.apiKey, deps.config.apiSecret);
  const router = express.Router();
  // Enforcement goes to RoomService after the answer: LiveKit's webhook queue never waits on it.
  const enforce = (room: string, identity: string, admission: AudioAdmission) =>
    void backend.enforce(room, identity, admission);

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
      const roomName = event.room?.name ?? "";
      const ours = parseLiveKitRoomName(roomName);
      const identity = event.participant?.identity ?? "";
      if (!ours) {
        res.json({ ok: true, ignored: "not one of our rooms" });
        return;
      }
      if (ours.kind === "call") {
        if (event.event === "participant_joined" && identity) {
          const admission = await liveKitAdmission(db, deps.aliasSecret, roomName, identity);
          if (admission?.kind === "remove") enforce(roomName, identity, admission);
        }
        res.json({ ok: true });
        return;
      }
      const { occurrenceId } = ours;
      if (event.event === "participant_joined" && identity) {
        const admission = roomAudioAdmission(await readLiveRoom(db, occurrenceId), identity);
        // Their token already withholds publishing (listening only, or minted after the mute): nothing to take away.
        const withheld =
          admission.kind === "admit" && !admission.canPublish && event.participant?.permission?.canPublish === false;
        if (admission.kind === "admit")
          await touchRoomPresence(db, {
            socketId: liveKitPresenceId(identity),
            occurrenceId,
            memberId: identity,
            nodeId: LIVEKIT_PRESENCE_NODE,
            now: deps.now(),
          });
        if (!withheld) enforce(roomName, identity, admission);
      } else if (
        (event.event === "participant_left" || event.event === "participant_connection_aborted") &&
        MEMBER_ID.test(identity)
      ) {
        await dropVouchedPresence(db, { occurrenceId, socketId: liveKitPresenceId(identity) });
        const snapshot = await dropAbsentMember(db, { occurrenceId, memberId: identity, now: deps.now() });
        if (snapshot) deps.onRoomChanged(occurrenceId, snapshot);
      } else if (event.event === "room_finished") {
        // Everyone has left the audio server's room. The session itself ends only by its own rules.
        const snapshot = await readLiveRoom(db, occurrenceId);
        await dropVouchedPresence(db, { occurrenceId, prefix: LIVEKIT_PRESENCE_PREFIX });
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
