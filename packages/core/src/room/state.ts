import { FACILITATOR_PLACES } from "../dropins/places.js";
import type { RoomCommand, RoomError } from "./commands.js";

/**
 * A live drop-in room as a pure state machine. Realtime keeps this state in
 * PostgreSQL (so a restart or a second node loses nothing), loads it, applies
 * one command with `applyRoomCommand`, and writes the result back in the
 * same transaction. Every client resynchronises from `roomSnapshot`.
 */

export type RoomPhase = "lobby" | "live" | "ended";

export interface RoomMember {
  /** The member's per-room alias (see MEMBER_ID): stable across reconnects, unlinkable across sessions. */
  id: string;
  /** First name or nickname: never an email or full name. */
  name: string;
  facilitator: boolean;
  /** Their own microphone switch. */
  muted: boolean;
  /** Muted by a facilitator: enforced, and only a facilitator lifts it (by unmuting is not offered: they ask). */
  mutedByFacilitator: boolean;
  listenOnly: boolean;
  status: "ok" | "need-a-minute";
  joinedAt: number;
}

export interface LiveRoomState {
  occurrenceId: string;
  phase: RoomPhase;
  locked: boolean;
  capacity: number;
  /** In join order. */
  members: RoomMember[];
  /** Member ids with a raised hand, in the order they raised it. */
  hands: string[];
  /** Identities removed by a facilitator: they cannot rejoin this occurrence. */
  removed: string[];
  /** Sequence number of the last side-chat line (lines live in a bounded buffer beside the state). */
  chatSeq: number;
}

/** Who is acting, as the room sees it. */
export interface RoomActor {
  id: string;
  name: string;
  /** Runs this session (lead, backup or the person it was handed to). */
  facilitator: boolean;
}

export type RoomEffect =
  | { kind: "chat"; seq: number; from: string; name: string; text: string; at: number }
  | { kind: "removed"; memberId: string }
  | { kind: "muted"; memberId: string }
  | { kind: "ended" }
  | { kind: "flag"; category: string; subjectId: string | null };

/** What the room's audio can carry: the embedded mesh's cap on everyone in the room. */
export interface RoomLimits {
  audio?: { maxMembers: number; fullMessage: string };
}

export type RoomResult = { ok: true; state: LiveRoomState; effects: RoomEffect[] } | { ok: false; error: RoomError };

export const emptyRoom = (occurrenceId: string, capacity: number, phase: RoomPhase = "lobby"): LiveRoomState => ({
  occurrenceId,
  phase,
  locked: false,
  capacity,
  members: [],
  hands: [],
  removed: [],
  chatSeq: 0,
});

const fail = (code: RoomError["code"], message: string): RoomResult => ({ ok: false, error: { code, message } });
const ok = (state: LiveRoomState, effects: RoomEffect[] = []): RoomResult => ({ ok: true, state, effects });

const member = (s: LiveRoomState, id: string) => s.members.find((m) => m.id === id);
const withMember = (s: LiveRoomState, id: string, change: Partial<RoomMember>): LiveRoomState => ({
  ...s,
  members: s.members.map((m) => (m.id === id ? { ...m, ...change } : m)),
});
const withoutHand = (hands: string[], id: string) => hands.filter((h) => h !== id);
const notMember = (s: LiveRoomState, id: string) =>
  s.removed.includes(id)
    ? fail("removed", "A facilitator asked you to leave this session.")
    : fail("not_in_room", "Join the session first.");

/**
 * Whether this member may read the room and its side-chat, and send or receive
 * audio signalling in it: only while seated. Removal ends all of it at once.
 */
export const mayReadRoom = (state: LiveRoomState, memberId: string): boolean =>
  state.phase !== "ended" && state.members.some((m) => m.id === memberId);

/**
 * Applies one parsed command. Refusals change nothing. Rules:
 * - only facilitators open the room, moderate and end it;
 * - workers may wait in the lobby; once ended nobody joins;
 * - a locked room admits facilitators only; a removed identity never returns;
 * - only members read the room back (sync) or chat: a removed person reads nothing more;
 * - capacity counts everyone except facilitators;
 * - facilitators always get in: the audio's cap keeps FACILITATOR_PLACES for
 *   them (or as many as are in), so workers waiting early never shut them out;
 * - a hand is raised once and keeps its place; leaving lowers it;
 * - a facilitator's mute is enforced: the member cannot unmute themselves.
 */
export function applyRoomCommand(
  state: LiveRoomState,
  actor: RoomActor,
  command: RoomCommand,
  now: number,
  limits: RoomLimits = {},
): RoomResult {
  if (state.phase === "ended" && command.name !== "room:sync" && command.name !== "room:leave")
    return fail("ended", "This session has ended.");
  const me = member(state, actor.id);
  const isFacilitator = actor.facilitator;

  switch (command.name) {
    case "room:join": {
      if (command.payload.occurrenceId !== state.occurrenceId)
        return fail("not_found", "That session could not be found.");
      if (state.removed.includes(actor.id)) return fail("removed", "A facilitator asked you to leave this session.");
      if (me) return ok(state); // a reconnect: same seat, same hand, same mute
      if (state.locked && !isFacilitator)
        return fail("locked", "The facilitator has locked the room for now. Please try again shortly.");
      if (!isFacilitator) {
        const seated = state.members.filter((m) => !m.facilitator).length;
        if (seated >= state.capacity) return fail("full", "The room is full. Please try another session.");
        if (limits.audio && seated >= workerPlacesForAudio(state, limits.audio.maxMembers))
          return fail("full", limits.audio.fullMessage);
      }
      const joined: RoomMember = {
        id: actor.id,
        name: actor.name,
        facilitator: isFacilitator,
        muted: command.payload.listenOnly,
        mutedByFacilitator: false,
        listenOnly: command.payload.listenOnly,
        status: "ok",
        joinedAt: now,
      };
      return ok({ ...state, members: [...state.members, joined] });
    }
    case "room:sync":
      // Only members read the room back (its members and side-chat); an ended room has nothing left to read.
      if (state.phase !== "ended" && !me) return notMember(state, actor.id);
      return ok(state);
    case "room:leave":
      if (!me) return ok(state);
      return ok({
        ...state,
        members: state.members.filter((m) => m.id !== actor.id),
        hands: withoutHand(state.hands, actor.id),
      });
    case "mod:open":
      if (!isFacilitator) return fail("forbidden", "Only a facilitator can open the room.");
      return ok({ ...state, phase: "live" });
    default:
      break;
  }

  if (!me) return notMember(state, actor.id);

  switch (command.name) {
    case "room:hand": {
      if (state.phase !== "live") return fail("not_open", "Hands go up once the facilitator opens the room.");
      const up = state.hands.includes(actor.id);
      if (command.payload.raised === up) return ok(state);
      return ok({ ...state, hands: up ? withoutHand(state.hands, actor.id) : [...state.hands, actor.id] });
    }
    case "room:status":
      return ok(withMember(state, actor.id, { status: command.payload.status }));
    case "room:mute":
      if (!command.payload.muted && me.mutedByFacilitator)
        return fail("forbidden", "The facilitator has muted you. Raise your hand or use the chat.");
      if (!command.payload.muted && me.listenOnly)
        return ok(withMember(state, actor.id, { muted: false, listenOnly: false }));
      return ok(withMember(state, actor.id, { muted: command.payload.muted }));
    case "room:chat": {
      if (state.phase !== "live") return fail("not_open", "The chat opens with the room.");
      const seq = state.chatSeq + 1;
      return ok({ ...state, chatSeq: seq }, [
        { kind: "chat", seq, from: actor.id, name: me.name, text: command.payload.text, at: now },
      ]);
    }
    default:
      break;
  }

  if (!isFacilitator) return fail("forbidden", "Only a facilitator can do that.");

  switch (command.name) {
    case "mod:mute": {
      const target = member(state, command.payload.participantId);
      if (!target) return fail("not_in_room", "That person is no longer in the room.");
      if (target.facilitator) return fail("forbidden", "Facilitators cannot be muted.");
      return ok(withMember(state, target.id, { muted: true, mutedByFacilitator: true }), [
        { kind: "muted", memberId: target.id },
      ]);
    }
    case "mod:lower-hand":
      if (!state.hands.includes(command.payload.participantId)) return ok(state);
      return ok({ ...state, hands: withoutHand(state.hands, command.payload.participantId) });
    case "mod:lower-all-hands":
      return ok({ ...state, hands: [] });
    case "mod:remove": {
      const id = command.payload.participantId;
      const target = member(state, id);
      if (target?.facilitator) return fail("forbidden", "Facilitators cannot be removed.");
      if (state.removed.includes(id)) return ok(state);
      return ok(
        {
          ...state,
          members: state.members.filter((m) => m.id !== id),
          hands: withoutHand(state.hands, id),
          removed: [...state.removed, id],
        },
        [{ kind: "removed", memberId: id }],
      );
    }
    case "mod:lock":
      return ok({ ...state, locked: command.payload.locked });
    case "mod:end":
      return ok({ ...state, phase: "ended", members: [], hands: [], locked: false }, [{ kind: "ended" }]);
    case "mod:flag": {
      const subject = command.payload.participantId ?? null;
      if (subject && !member(state, subject) && !state.removed.includes(subject))
        return fail("not_in_room", "That person is not in this session.");
      return ok(state, [{ kind: "flag", category: command.payload.category, subjectId: subject }]);
    }
  }
  return fail("invalid", "Unknown request");
}

/** Workers the audio can carry beside the places kept for the people running the session. */
export function workerPlacesForAudio(state: LiveRoomState, maxMembers: number): number {
  const staff = state.members.filter((m) => m.facilitator).length;
  return Math.max(0, maxMembers - Math.max(FACILITATOR_PLACES, staff));
}

/** What every client in the room sees (and resynchronises from): aliases and first names only. */
export function roomSnapshot(state: LiveRoomState, version: number) {
  return {
    occurrenceId: state.occurrenceId,
    phase: state.phase,
    locked: state.locked,
    capacity: state.capacity,
    placesLeft: Math.max(0, state.capacity - state.members.filter((m) => !m.facilitator).length),
    members: state.members.map((m) => ({
      id: m.id,
      name: m.name,
      facilitator: m.facilitator,
      muted: m.muted || m.mutedByFacilitator,
      mutedByFacilitator: m.mutedByFacilitator,
      listenOnly: m.listenOnly,
      status: m.status,
      handPosition: state.hands.indexOf(m.id) + 1 || null,
    })),
    hands: [...state.hands],
    chatSeq: state.chatSeq,
    version,
  };
}
export type RoomSnapshot = ReturnType<typeof roomSnapshot>;

/** Invariants that hold for every reachable state (checked by the property tests). */
export function roomInvariantProblems(s: LiveRoomState): string[] {
  const problems: string[] = [];
  const ids = s.members.map((m) => m.id);
  if (new Set(ids).size !== ids.length) problems.push("a member is seated twice");
  if (new Set(s.hands).size !== s.hands.length) problems.push("a hand is queued twice");
  if (s.hands.some((h) => !ids.includes(h))) problems.push("a hand belongs to someone not in the room");
  if (s.removed.some((r) => ids.includes(r))) problems.push("a removed person is in the room");
  if (s.members.filter((m) => !m.facilitator).length > s.capacity) problems.push("over capacity");
  if (s.phase === "ended" && s.members.length > 0) problems.push("members in an ended room");
  if (s.members.some((m) => m.mutedByFacilitator && !m.muted)) problems.push("a facilitator's mute was lifted");
  return problems;
}
