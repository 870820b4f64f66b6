import { describe, expect, it } from "vitest";
import { callAudioAdmission, mayPublish, roomAudioAdmission, type AudioRoomView } from "./audio.js";

const worker = { facilitator: false, listenOnly: false, mutedByFacilitator: false };
const room = (members: AudioRoomView["members"], phase: AudioRoomView["phase"] = "live"): AudioRoomView => ({
  phase,
  members,
});

describe("who may publish in a drop-in", () => {
  it("a worker speaks unless listening only or muted by a facilitator; a facilitator always", () => {
    expect(mayPublish(worker)).toBe(true);
    expect(mayPublish({ ...worker, listenOnly: true })).toBe(false);
    expect(mayPublish({ ...worker, mutedByFacilitator: true })).toBe(false);
    expect(mayPublish({ ...worker, facilitator: true, listenOnly: true })).toBe(true);
  });
});

describe("who the audio server may hold in a drop-in's room", () => {
  it("admits a seated member with the publish right their seat has now", () => {
    const r = room([
      { id: "m_a", ...worker },
      { id: "m_b", ...worker, mutedByFacilitator: true },
    ]);
    expect(roomAudioAdmission(r, "m_a")).toEqual({ kind: "admit", canPublish: true });
    // A token minted before the mute says canPublish: the seat says no.
    expect(roomAudioAdmission(r, "m_b")).toEqual({ kind: "admit", canPublish: false });
  });

  it("removes anyone without a seat: removed, gone, unknown room, ended session", () => {
    expect(roomAudioAdmission(room([{ id: "m_a", ...worker }]), "m_b")).toEqual({
      kind: "remove",
      reason: "not-a-member",
    });
    expect(roomAudioAdmission(null, "m_a")).toEqual({ kind: "remove", reason: "unknown-room" });
    expect(roomAudioAdmission(room([{ id: "m_a", ...worker }], "ended"), "m_a")).toEqual({
      kind: "remove",
      reason: "ended",
    });
  });
});

describe("who the audio server may hold in a 1:1 call's room", () => {
  const call = { status: "active" as const, identities: ["m_w", "m_v"] };
  it("holds the worker and the volunteer while the call is active", () => {
    expect(callAudioAdmission(call, "m_w")).toEqual({ kind: "admit", canPublish: true });
    expect(callAudioAdmission(call, "m_v")).toEqual({ kind: "admit", canPublish: true });
  });
  it("nobody else, and nobody once it ended", () => {
    expect(callAudioAdmission(call, "m_x")).toEqual({ kind: "remove", reason: "not-a-member" });
    expect(callAudioAdmission({ ...call, status: "ended" }, "m_w")).toEqual({ kind: "remove", reason: "ended" });
    expect(callAudioAdmission(null, "m_w")).toEqual({ kind: "remove", reason: "unknown-room" });
  });
});
