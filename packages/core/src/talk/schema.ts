import type { RoomAudio } from "../realtime/events.js";
import { z } from "zod";
import { EXPERIENCE_TAGS, LANGUAGES, type LanguageCode } from "../people/schema.js";
import { SAFEGUARDING_CATEGORIES } from "../room/commands.js";

/**
 * "Someone to talk to now": the socket API of the 1:1 line, client to
 * server, one zod schema per event. A payload that fails its schema gets a
 * typed error in the acknowledgement and changes nothing.
 */

const languageCodes = Object.keys(LANGUAGES) as [LanguageCode, ...LanguageCode[]];
const id = (what: string) => z.uuid({ error: `That ${what} could not be found` });

export const talkPreferences = z.strictObject(
  {
    language: z.enum(languageCodes, { error: "Choose a language from the list" }).optional(),
    experience: z
      .array(z.enum(EXPERIENCE_TAGS, { error: "Choose experience from the list" }), {
        error: "Choose experience from the list",
      })
      .max(EXPERIENCE_TAGS.length, "Choose experience from the list")
      .default([])
      .transform((tags) => [...new Set(tags)]),
  },
  { error: "We don't know that preference" },
);
export type TalkPreferences = z.output<typeof talkPreferences>;

/** After a call the volunteer may record one of these, and nothing else about the worker. */
export const CALL_OUTCOMES = [
  "listened-and-supported",
  "signposted-to-other-help",
  "practical-information",
  "urgent-help-arranged",
  "ended-early",
  "other",
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const talkCommandSchemas = {
  /** A worker asks for someone to talk to. */
  "talk:request": talkPreferences,
  "talk:cancel": z.object({ requestId: id("request") }),
  /** Where am I? (position, wait, widened search, or my call). Also re-attaches after a reconnect. */
  "talk:sync": z.object({}),
  /** A volunteer goes on call: for a talk-line rota slot they are on (confirmed with one tap), or ad hoc. */
  "oncall:start": z.object({ slotId: id("rota slot").optional() }),
  "oncall:stop": z.object({}),
  /** The on-call page is open: keeps this socket reachable for offers; answers with the on-call state. */
  "oncall:sync": z.object({}),
  "talk:accept": z.object({ offerId: id("offer") }),
  "talk:decline": z.object({ offerId: id("offer") }),
  /** A drop-in facilitator steps a participant aside into the 1:1 line, ahead of the queue. */
  "talk:step-aside": z.object({
    participantId: z.string({ error: "Choose a participant" }).regex(/^m_[0-9a-f]{16}$/, "Choose a participant"),
  }),
  "call:join": z.object({ callId: id("call") }),
  "call:chat": z.object({
    text: z
      .string({ error: "Write a message" })
      .trim()
      .min(1, "Write a message")
      .max(500, "Keep messages to 500 characters"),
  }),
  "call:end": z.object({}),
  /** A fresh LiveKit token for this socket's call (after a reconnect); the mesh answers { kind: "mesh" }. */
  "call:audio-token": z.object({}),
} as const;

export type TalkCommandName = keyof typeof talkCommandSchemas;
export type TalkCommand = {
  [K in TalkCommandName]: { name: K; payload: z.output<(typeof talkCommandSchemas)[K]> };
}[TalkCommandName];
export const TALK_COMMANDS = Object.keys(talkCommandSchemas) as TalkCommandName[];

export const TALK_ERROR_CODES = [
  "invalid",
  "forbidden",
  "not_found",
  "already_waiting",
  "already_in_call",
  "not_yours",
  "withdrawn",
  "expired",
  "not_on_call",
  "ended",
  "rate_limited",
  /** The node has too much waiting: nothing was done; try again shortly (see realtime/busy.ts). */
  "busy",
] as const;
export type TalkErrorCode = (typeof TALK_ERROR_CODES)[number];
export interface TalkError {
  code: TalkErrorCode;
  message: string;
}
export type TalkAck<T = undefined> = { ok: true; data?: T } | { ok: false; error: TalkError };

/** Parses an event name and payload from the wire; never throws. */
export function parseTalkCommand(
  name: unknown,
  payload: unknown,
): { ok: true; command: TalkCommand } | { ok: false; error: TalkError } {
  if (typeof name !== "string" || !Object.hasOwn(talkCommandSchemas, name))
    return { ok: false, error: { code: "invalid", message: "Unknown request" } };
  const parsed = talkCommandSchemas[name as TalkCommandName].safeParse(payload ?? {});
  if (!parsed.success)
    return { ok: false, error: { code: "invalid", message: parsed.error.issues[0]?.message ?? "Invalid request" } };
  return { ok: true, command: { name, payload: parsed.data } as TalkCommand };
}

/** The after-call form (a plain form post): category only, an optional concern, and a debrief for yourself. */
export const callAfterInput = z.object({
  outcome: z.enum(CALL_OUTCOMES, { error: "Choose how the call went" }),
  safeguarding: z
    .union([z.literal(""), z.enum(SAFEGUARDING_CATEGORIES, { error: "Choose what the concern is about" })])
    .optional()
    .transform((v) => (v ? v : undefined)),
  debrief: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
});
export type CallAfterInput = z.output<typeof callAfterInput>;

/** What a worker sees about their request. */
export type TalkStatus =
  | {
      state: "none";
      onCall: number;
      free: number;
      /** Their last request closed lately because none of their pages was open (WORKER_GRACE_MS): say so. */
      lapsed?: boolean;
    }
  | {
      state: "waiting";
      requestId: string;
      /** 1 = next. */
      position: number;
      /** Rough minutes until someone is free; null when nobody is on call. */
      estimatedWaitMinutes: number | null;
      /** Preferences no longer limit who is asked (after a visible wait). */
      widened: boolean;
      /** When the search widens (ISO), if it has preferences and has not yet. */
      widensAt: string | null;
      hasPreferences: boolean;
      onCall: number;
      free: number;
      createdAt: string;
    }
  | { state: "matched"; callId: string };

/** What an on-call volunteer sees. */
export interface OnCallStatus {
  onCall: boolean;
  /** ISO end of the rota slot they confirmed; null when ad hoc or off call. */
  until: string | null;
  offer: TalkOfferView | null;
  callId: string | null;
  /** People waiting right now (a count, nothing else). */
  waiting: number;
}

/** An offer as the volunteer sees it: preferences only, never who. */
export interface TalkOfferView {
  offerId: string;
  expiresAt: string;
  language: string | null;
  experience: string[];
  /** Stepped aside from a drop-in by a facilitator. */
  priority: boolean;
  waitedMinutes: number;
}

/** A 1:1 call as either side sees it. Participants are "worker" and "volunteer", never names on the wire. */
export interface CallView {
  callId: string;
  status: "active" | "ended";
  me: "worker" | "volunteer";
  /** First name of the volunteer; the worker's nickname. */
  names: { worker: string; volunteer: string };
  /** Who currently has the call page open. */
  present: ("worker" | "volunteer")[];
  startedAt: string;
  endedBy: string | null;
}

export interface CallChatLine {
  from: "worker" | "volunteer";
  text: string;
  at: number;
}

/** What a successful talk command answers with (the fields its event fills). */
export interface TalkReply {
  status?: TalkStatus;
  onCall?: OnCallStatus;
  callId?: string;
  call?: CallView;
  requestId?: string;
  /** How the call's audio travels (on call:join and call:audio-token): the mesh, or a LiveKit token for the call's own two-person room. */
  audio?: RoomAudio;
}
