import type { Actor } from "../access/can.js";
import type { Identity } from "./channels.js";
import type { RoomAck, RoomCommandName } from "../room/commands.js";
import type { RoomSnapshot } from "../room/state.js";
import type { RoomPatch } from "../room/patch.js";
import type { CallChatLine, CallView, TalkCommandName, TalkOfferView } from "../talk/schema.js";

/**
 * Typed Socket.IO event maps shared by realtime, web (emitter) and the browser.
 * Types do not validate input: every client-to-server payload also has a zod
 * schema next to its handler.
 */

export interface AttendanceChanged {
  occurrenceId: string;
  /** How many people have said they plan to come. */
  planning: number;
}

export interface Welcome {
  nodeId: string;
  serverTime: string;
}

/** Something about the schedule changed: pages showing sessions reload their data. */
export interface ScheduleChanged {
  occurrenceId?: string;
  seriesId?: string;
  change: "cancelled" | "created" | "updated" | "moved" | "reassigned" | "opened" | "facilitator-late";
}

/** The rota changed (sign-up, drop, swap, auto-fill, templates): rota pages reload their data. */
export interface RotaChanged {
  /** Database slot ids concerned; empty means "anything may have changed". */
  slotIds: string[];
  change: "signup" | "drop" | "swap" | "offer" | "autofill" | "template";
}

export interface ServerToClientEvents {
  "room:state": (snapshot: RoomSnapshot) => void;
  /** A change to the room, as the change: apply it to version `from`, or ask for the whole room (room:sync). */
  "room:patch": (patch: RoomPatch) => void;
  "room:chat": (line: RoomChatLine) => void;
  /** You were removed by a facilitator (sent to the removed member's sockets only). */
  "room:removed": (payload: { occurrenceId: string }) => void;
  "room:ended": (payload: { occurrenceId: string }) => void;
  "rtc:signal": (signal: RtcSignal) => void;
  "rota:changed": (payload: RotaChanged) => void;
  "dropin:schedule": (payload: ScheduleChanged) => void;
  welcome: (payload: Welcome) => void;
  "dropin:attendance": (payload: AttendanceChanged) => void;
  /**
   * Who is in a session's room changed (someone came in or left, it was locked or ended): places may have changed.
   * To the sockets watching that session (dropin:watch), and to web (Tonight's live updates).
   */
  "dropin:occupancy": (payload: { occurrenceId: string }) => void;
  /** 1:1 line, to a requester's sockets: something about your request changed; ask again with talk:sync. */
  "talk:changed": () => void;
  /** 1:1 line, to a requester's sockets: a volunteer accepted; go to the call. */
  "talk:matched": (payload: { callId: string }) => void;
  /** To a drop-in participant a facilitator stepped aside: a priority request is waiting for you. */
  "talk:stepped-aside": (payload: { requestId: string }) => void;
  /** To an on-call volunteer's sockets: an offer to accept or decline. */
  "talk:offer": (offer: TalkOfferView) => void;
  /** The offer is gone: taken by you elsewhere, timed out, cancelled by the worker, or withdrawn. */
  "talk:offer-closed": (payload: {
    offerId: string;
    /** "left": the worker's page closed or lost its connection. */
    reason: "accepted" | "expired" | "withdrawn" | "declined" | "left";
  }) => void;
  /** To a volunteer's sockets: on-call state changed; ask again with oncall:sync. */
  "oncall:changed": () => void;
  "call:state": (view: Omit<CallView, "me">) => void;
  "call:chat": (line: CallChatLine) => void;
}

/** Live-room commands: a payload (validated by its zod schema) and a typed acknowledgement. */
export type ClientToServerEvents = {
  [K in RoomCommandName]: (payload: unknown, ack?: (reply: RoomAck<RoomReply>) => void) => void;
} & {
  /** Mesh audio signalling to one member of the same room (relayed, never stored). */
  "rtc:signal": (payload: unknown, ack?: (reply: RoomAck) => void) => void;
} & {
  /** 1:1 line: requests, on call, offers and the call (see core/talk/schema.ts). */
  [K in TalkCommandName]: (payload: unknown, ack?: (reply: unknown) => void) => void;
} & {
  /** Mesh audio signalling to the other side of a 1:1 call (relayed, never stored). */
  "call:signal": (payload: unknown, ack?: (reply: RoomAck) => void) => void;
} & {
  /** A page showing a session's places: tell this socket when who is in its room changes (dropin:occupancy). */
  "dropin:watch": (payload: unknown, ack?: (reply: RoomAck) => void) => void;
} & {
  /** "Are you still there?" from a page in a room: answered at once, so a dead link shows within seconds. */
  "live:ping": (ack: () => void) => void;
};

/** What a successful room command answers with. */
export interface RoomReply {
  snapshot: RoomSnapshot;
  /** The caller's own alias in this room. */
  memberId: string;
  /** Side-chat lines after the client's last one (on join and sync). */
  chat?: RoomChatLine[];
  /** How this room's audio travels (on join and room:audio-token). */
  audio?: RoomAudio;
}

/**
 * The audio path realtime chose: a LiveKit SFU (with a short-lived,
 * room-scoped token whose identity is the member's alias) when it is
 * configured, else the embedded mesh signalled over this socket.
 */
export type RoomAudio = { kind: "mesh" } | { kind: "livekit"; url: string; token: string };

export interface RoomChatLine {
  seq: number;
  from: string;
  name: string;
  text: string;
  at: number;
}

/** A mesh signalling message relayed from one member (`from`, set by the server) to another. */
export interface RtcSignal {
  from: string;
  signal: {
    kind: "hello" | "welcome" | "bye" | "description" | "candidate";
    session: string;
    to?: string;
    description?: { type: "offer" | "answer" | "pranswer" | "rollback"; sdp?: string };
    candidate?: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };
  };
}

export interface InterServerEvents {
  ping: () => void;
  /** Web cancelled a session whose room was open (the room is already ended in PostgreSQL): take its people out. */
  "room:cancelled": (occurrenceId: string) => void;
  /** A 1:1 call ended on another node: tell this node's sockets in it the final state, then take them out. */
  "call:ended": (callId: string, view: Omit<CallView, "me"> | null) => void;
}

export interface SocketData {
  connectedAt: number;
  /** Who this socket is, from its verified ticket. */
  actor: Actor;
  /** "person:<id>", "guest:<id>" or "visitor:<key>": reaches all of one identity's sockets. */
  identityRoom: string;
  /**
   * Who this socket is in a live room (its key, the name others see, the person
   * behind it), read with its ticket at the handshake; null for a visitor.
   */
  roomIdentity?: { key: string; name: string; personId: string | null } | null;
  /** The live room this socket is in, and its alias there. */
  room?: { occurrenceId: string; memberId: string };
  /** The 1:1 call this socket is in, and its side. */
  call?: { callId: string; side: "worker" | "volunteer" };
  /** This socket is an open on-call page (reachable for offers). */
  onCall?: { personId: string };
  /** This socket is a worker's page waiting for a volunteer (keeps their request alive). */
  waiting?: { requester: Identity };
}
