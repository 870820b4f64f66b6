import { describe, expect, it } from "vitest";
import { Listeners, audioParticipants } from "./transport.js";

describe("the participants every audio transport shows", () => {
  it("are in id order, and a peer this browser blocks is never shown speaking", () => {
    const peers = [
      { id: "m_b", link: "connected" as const, speaking: true },
      { id: "m_c", link: "connecting" as const, speaking: false },
      { id: "m_a", link: "connected" as const, speaking: true },
    ];
    expect(audioParticipants(peers, new Set(["m_b", "m_c"]))).toEqual([
      { id: "m_a", link: "connected", speaking: true, blocked: false },
      { id: "m_b", link: "connected", speaking: false, blocked: true },
      { id: "m_c", link: "connecting", speaking: false, blocked: true },
    ]);
    expect(audioParticipants([], new Set())).toEqual([]);
  });
});

describe("a transport's listeners", () => {
  it("tell a new subscriber the current value at once, then every change until it unsubscribes", () => {
    const listeners = new Listeners<number>();
    const heard: number[] = [];
    const stop = listeners.subscribe((n) => heard.push(n), 1);
    listeners.emit(2);
    stop();
    listeners.emit(3);
    expect(heard).toEqual([1, 2]);
  });
});
