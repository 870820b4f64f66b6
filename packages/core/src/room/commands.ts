import { z } from "zod";

/**
 * The live room's socket API, client to server: one zod schema per event.
 * Every payload is parsed before anything else happens; a bad one gets a
 * typed error in the acknowledgement and changes nothing.
 */

/**
 * Members are known in a room by a per-room alias ("m_" + 16 hex) that the
 * server derives from their identity with a keyed hash: stable for one person
 * in one session (so a removal sticks), unlinkable across sessions.
 */
export const MEMBER_ID = /^m_[0-9a-f]{16}$/;
export const participantId = z.string({ error: "Choose a participant" }).regex(MEMBER_ID, "Choose a participant");

export const SAFEGUARDING_CATEGORIES = [
  "risk-to-self",
  "risk-to-others",
  "abuse-or-neglect-disclosed",
  "worker-in-danger-now",
  "other",
] as const;

export const MAX_CHAT_LENGTH = 500;

/**
 * Largest mesh signalling message, serialised (UTF-8 bytes). An audio-only SDP
 * is a few kB and an ICE candidate a few hundred bytes; anything bigger is not
 * audio set-up.
 */
export const MAX_SIGNAL_BYTES = 16 * 1024;

/** Bytes a signalling message takes on the wire (what the per-socket byte budget counts). */
export const signalBytes = (signal: unknown): number => new TextEncoder().encode(JSON.stringify(signal)).length;

/** A mesh audio signalling message (relayed as is to one member, so bounded and shaped here). */
export const meshSignal = z
  .object({
    kind: z.enum(["hello", "welcome", "bye", "description", "candidate"]),
    session: z.string().min(1).max(100),
    to: z.string().max(100).optional(),
    description: z
      .object({
        type: z.enum(["offer", "answer", "pranswer", "rollback"]),
        sdp: z.string().max(MAX_SIGNAL_BYTES).optional(),
      })
      .optional(),
    candidate: z
      .object({
        candidate: z.string().max(2_000),
        sdpMid: z.string().max(64).nullish(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
        usernameFragment: z.string().max(256).nullish(),
      })
      .optional(),
  })
  .refine((signal) => signalBytes(signal) <= MAX_SIGNAL_BYTES, {
    error: `That signal is too large (over ${MAX_SIGNAL_BYTES / 1024} KB)`,
  });

export const roomCommandSchemas = {
  "room:join": z.object({
    occurrenceId: z.uuid({ error: "That session could not be found" }),
    /** Join muted and just listen. */
    listenOnly: z.boolean().default(false),
  }),
  "room:leave": z.object({}),
  "room:hand": z.object({ raised: z.boolean({ error: "Say whether the hand is up" }) }),
  "room:status": z.object({ status: z.enum(["ok", "need-a-minute"], { error: "Choose a status" }) }),
  "room:mute": z.object({ muted: z.boolean({ error: "Say whether to mute" }) }),
  "room:chat": z.object({
    text: z
      .string({ error: "Write a message" })
      .trim()
      .min(1, "Write a message")
      .max(MAX_CHAT_LENGTH, `Keep messages to ${MAX_CHAT_LENGTH} characters`),
  }),
  /** A fresh LiveKit token for a member already in the room (the audio reconnects with it). */
  "room:audio-token": z.object({}),
  "room:sync": z.object({
    /** The last side-chat sequence number this client saw; missed lines are replayed. */
    afterChatSeq: z.number().int().min(0).default(0),
  }),
  "mod:open": z.object({}),
  "mod:mute": z.object({ participantId }),
  "mod:lower-hand": z.object({ participantId }),
  "mod:lower-all-hands": z.object({}),
  "mod:remove": z.object({ participantId }),
  "mod:lock": z.object({ locked: z.boolean({ error: "Say whether to lock the room" }) }),
  "mod:end": z.object({}),
  "mod:flag": z.object({
    participantId: participantId.optional(),
    category: z.enum(SAFEGUARDING_CATEGORIES, { error: "Choose what the concern is about" }),
  }),
} as const;

export type RoomCommandName = keyof typeof roomCommandSchemas;
export type RoomCommand = {
  [K in RoomCommandName]: { name: K; payload: z.output<(typeof roomCommandSchemas)[K]> };
}[RoomCommandName];

export const ROOM_COMMANDS = Object.keys(roomCommandSchemas) as RoomCommandName[];

export type ParsedCommand = { ok: true; command: RoomCommand } | { ok: false; error: RoomError };

/** Parses an event name and payload from the wire; never throws. */
export function parseRoomCommand(name: unknown, payload: unknown): ParsedCommand {
  if (typeof name !== "string" || !Object.hasOwn(roomCommandSchemas, name))
    return { ok: false, error: { code: "invalid", message: "Unknown request" } };
  const schema = roomCommandSchemas[name as RoomCommandName];
  const parsed = schema.safeParse(payload ?? {});
  if (!parsed.success)
    return { ok: false, error: { code: "invalid", message: parsed.error.issues[0]?.message ?? "Invalid request" } };
  return { ok: true, command: { name, payload: parsed.data } as RoomCommand };
}

export const ROOM_ERROR_CODES = [
  "invalid",
  "forbidden",
  "not_found",
  "not_open",
  "not_in_room",
  "locked",
  "removed",
  "full",
  "ended",
  "cancelled",
  "not_running",
  "rate_limited",
  /** The node has too much waiting: nothing was done; try again shortly (see realtime/busy.ts). */
  "busy",
] as const;
export type RoomErrorCode = (typeof ROOM_ERROR_CODES)[number];
export interface RoomError {
  code: RoomErrorCode;
  message: string;
}

/** What every acknowledgement carries. */
export type RoomAck<T = undefined> = { ok: true; data?: T } | { ok: false; error: RoomError };
