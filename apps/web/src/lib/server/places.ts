import { placesToShow, roomDoor, seatsLeft, type AudioMode, type RoomOccupancy } from "@offshift/core";
import { env } from "./env.js";

/** LiveKit when it is configured, the built-in audio (and its cap) otherwise. */
export const audioMode = (): AudioMode => (env().LIVEKIT_URL ? "livekit" : "mesh");

/**
 * What a page may say about places and the door (core's rule, for this app's
 * audio): `of` and `seats` let a live attendance count be applied in the browser.
 */
export function placesView(occ: { capacity: number; planning: number; room: RoomOccupancy | null }) {
  const audio = audioMode();
  const shown = placesToShow({ capacity: occ.capacity, audio, planning: occ.planning, room: occ.room });
  return {
    left: shown.left,
    of: shown.of,
    seats: seatsLeft(occ.capacity, audio, occ.room),
    door: roomDoor(occ.capacity, audio, occ.room),
  };
}
export type PlacesView = ReturnType<typeof placesView>;
