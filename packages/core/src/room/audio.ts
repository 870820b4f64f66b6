/**
 * Who may be on an audio server's room, and who may speak there. The audio
 * server (LiveKit) enforces what these say: realtime maps an admission to
 * RoomService calls (remove the participant, or take away their right to
 * publish), on every join the server reports and after every moderation.
 * A token is only a promise made earlier; these rules read the state now.
 */

/** What the publish rule needs of a drop-in member. */
export interface AudioMemberRights {
  facilitator: boolean;
  listenOnly: boolean;
  mutedByFacilitator: boolean;
}

/**
 * Facilitators always speak; others unless they chose to listen only or a
 * facilitator muted them (that mute is enforced: only a new seat lifts it).
 */
export const mayPublish = (m: AudioMemberRights): boolean => m.facilitator || (!m.listenOnly && !m.mutedByFacilitator);

export type AudioAdmission =
  { kind: "admit"; canPublish: boolean } | { kind: "remove"; reason: "unknown-room" | "ended" | "not-a-member" };

/** A drop-in room as the admission needs it (a snapshot or the state). */
export interface AudioRoomView {
  phase: "lobby" | "live" | "ended";
  members: ({ id: string } & AudioMemberRights)[];
}

/**
 * A participant the audio server says joined a drop-in's room: admitted only
 * while they hold a seat (someone removed, gone, or with a token from before
 * the end is taken out), with publishing as the seat allows now, whatever
 * the token they came with says.
 */
export function roomAudioAdmission(room: AudioRoomView | null, identity: string): AudioAdmission {
  if (!room) return { kind: "remove", reason: "unknown-room" };
  if (room.phase === "ended") return { kind: "remove", reason: "ended" };
  const member = room.members.find((m) => m.id === identity);
  if (!member) return { kind: "remove", reason: "not-a-member" };
  return { kind: "admit", canPublish: mayPublish(member) };
}

/** A 1:1 call as the admission needs it: its state and the two identities it has on the audio server. */
export interface AudioCallView {
  status: "active" | "ended";
  /** The worker's and the volunteer's identities in the call's audio room. */
  identities: readonly string[];
}

/** A 1:1 call's audio room holds its two sides while the call is active, and nobody else. */
export function callAudioAdmission(call: AudioCallView | null, identity: string): AudioAdmission {
  if (!call) return { kind: "remove", reason: "unknown-room" };
  if (call.status !== "active") return { kind: "remove", reason: "ended" };
  if (!call.identities.includes(identity)) return { kind: "remove", reason: "not-a-member" };
  return { kind: "admit", canPublish: true };
}

/** The most participants a call's audio room takes: the worker and the volunteer. */
export const CALL_AUDIO_MAX_PARTICIPANTS = 2;
