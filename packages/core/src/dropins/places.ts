/** Places left, from what is known before the room opens (people who said they plan to come). */
export const placesLeft = (capacity: number, expected: number) => Math.max(0, capacity - expected);

/**
 * Most people (facilitators included: everyone's voice goes to everyone) one
 * room can hold on the built-in WebRTC mesh. Bigger rooms need LiveKit.
 */
export const MESH_MAX_MEMBERS = 6;

/**
 * Places kept for the people who run a session (its facilitators, a
 * coordinator stepping in) whatever the audio's limit: workers fill the rest.
 */
export const FACILITATOR_PLACES = 2;

/** What a worker is told when the built-in audio cannot carry one more person: plain words, no configuration. */
export const MESH_FULL_MESSAGE =
  "This room is full: its audio carries only a few people at once, and two places are kept for the people running it. " +
  "You could join another session, or ask for someone to talk to one to one.";

/** How a room's audio is carried: LiveKit when it is configured, the built-in mesh otherwise. */
export type AudioMode = "livekit" | "mesh";

/** Who is in a live room now, as far as places go. */
export interface RoomOccupancy {
  workers: number;
  facilitators: number;
  locked: boolean;
}

/**
 * Worker places a session really has: its capacity on LiveKit; on the mesh,
 * what the audio carries beside the places kept for the people running it
 * (FACILITATOR_PLACES: the lead and a backup or coordinator stepping in), the
 * same rule the room applies when someone joins.
 */
export function workerPlaces(capacity: number, audio: AudioMode): number {
  const places = Math.max(0, capacity);
  return audio === "livekit" ? places : Math.min(places, MESH_MAX_MEMBERS - FACILITATOR_PLACES);
}

/**
 * Seats a worker could take in the room right now. On the mesh every member
 * counts against the audio's cap, and FACILITATOR_PLACES stay kept for the
 * people running the session (or as many of them as are in).
 */
export function seatsLeft(capacity: number, audio: AudioMode, room: RoomOccupancy | null): number {
  const workers = room?.workers ?? 0;
  const bySession = workerPlaces(capacity, audio) - workers;
  if (audio === "livekit") return Math.max(0, bySession);
  const byAudio = MESH_MAX_MEMBERS - workers - Math.max(FACILITATOR_PLACES, room?.facilitators ?? 0);
  return Math.max(0, Math.min(bySession, byAudio));
}

/**
 * The places a page may advertise: never more than the audio carries, never
 * more than are free in the room, and fewer when people have said they plan to come.
 */
export function placesToShow(input: {
  capacity: number;
  audio: AudioMode;
  planning: number;
  room: RoomOccupancy | null;
}): { left: number; of: number } {
  const of = workerPlaces(input.capacity, input.audio);
  return {
    left: Math.min(placesLeft(of, input.planning), seatsLeft(input.capacity, input.audio, input.room)),
    of,
  };
}

/** Why a worker cannot go into a room that is running, or null when they can. */
export type RoomDoor = "full" | "locked" | null;

/** Whether a worker can go in now: a locked room admits nobody new, a full one nobody more. */
export function roomDoor(capacity: number, audio: AudioMode, room: RoomOccupancy | null): RoomDoor {
  if (room?.locked) return "locked";
  if (room && seatsLeft(capacity, audio, room) === 0) return "full";
  return null;
}
