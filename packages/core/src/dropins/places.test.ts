import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FACILITATOR_PLACES,
  MESH_FULL_MESSAGE,
  MESH_MAX_MEMBERS,
  placesToShow,
  roomDoor,
  seatsLeft,
  workerPlaces,
  type AudioMode,
} from "./places.js";

const room = (workers: number, facilitators = 1, locked = false) => ({ workers, facilitators, locked });

describe("the places a room can really hold", () => {
  it("on LiveKit, the session's capacity", () => {
    expect(workerPlaces(12, "livekit")).toBe(12);
    expect(placesToShow({ capacity: 12, audio: "livekit", planning: 0, room: null })).toEqual({ left: 12, of: 12 });
  });

  it(`on the built-in audio, at most ${MESH_MAX_MEMBERS} people, ${FACILITATOR_PLACES} of the places kept for those running it`, () => {
    expect(FACILITATOR_PLACES).toBe(2);
    expect(workerPlaces(12, "mesh")).toBe(MESH_MAX_MEMBERS - FACILITATOR_PLACES);
    expect(workerPlaces(3, "mesh")).toBe(3);
    expect(placesToShow({ capacity: 12, audio: "mesh", planning: 2, room: null })).toEqual({ left: 2, of: 4 });
  });

  it("counts who is in the room: the places kept for facilitators, or as many as are in", () => {
    expect(seatsLeft(12, "mesh", room(3, 1))).toBe(1);
    expect(seatsLeft(12, "mesh", room(3, 2))).toBe(1);
    expect(seatsLeft(12, "mesh", room(2, 3))).toBe(1);
    // Nobody running it yet: their places are kept.
    expect(seatsLeft(12, "mesh", room(4, 0))).toBe(0);
    expect(seatsLeft(12, "livekit", room(5, 2))).toBe(7);
  });

  it("says a full or locked room is closed to a newcomer, and an empty one is not", () => {
    expect(roomDoor(12, "mesh", room(4))).toBe("full");
    expect(roomDoor(12, "livekit", room(5))).toBeNull();
    expect(roomDoor(12, "livekit", room(1, 1, true))).toBe("locked");
    expect(roomDoor(12, "mesh", null)).toBeNull();
  });

  it("never advertises more than the audio carries, whoever is in the room", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom<AudioMode>("mesh", "livekit"),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 3 }),
        (capacity, audio, planning, workers, facilitators) => {
          const shown = placesToShow({ capacity, audio, planning, room: room(workers, facilitators) });
          expect(shown.left).toBeGreaterThanOrEqual(0);
          expect(shown.left).toBeLessThanOrEqual(shown.of);
          expect(shown.of).toBeLessThanOrEqual(capacity);
          // Everyone already in, the places kept for facilitators, and everyone the page invites fit in the audio.
          if (audio === "mesh" && shown.left > 0)
            expect(workers + Math.max(FACILITATOR_PLACES, facilitators) + shown.left).toBeLessThanOrEqual(
              MESH_MAX_MEMBERS,
            );
        },
      ),
    );
  });

  it("tells a worker the room is full in plain words, naming no configuration", () => {
    expect(MESH_FULL_MESSAGE).toContain("This room is full");
    expect(MESH_FULL_MESSAGE).not.toMatch(/LIVEKIT|LiveKit|server|organisers/);
  });
});
