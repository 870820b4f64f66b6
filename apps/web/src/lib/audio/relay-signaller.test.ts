import { describe, expect, it } from "vitest";
import type { RtcSignal } from "@offshift/core/browser";
import type { MeshSignal } from "./mesh.js";
import { RelaySignaller } from "./relay-signaller.js";

function signallerFor(state: { self: string | null; present: string[] }) {
  const sent: [string, MeshSignal][] = [];
  const signaller = new RelaySignaller({
    self: () => state.self,
    present: () => state.present,
    send: (to, signal) => sent.push([to, signal]),
  });
  return { signaller, sent };
}

describe("the mesh signaller a room or call relays through realtime", () => {
  it("names us and the others present as they are now, never ourselves as a peer", () => {
    const state = { self: null as string | null, present: ["a", "b"] };
    const { signaller } = signallerFor(state);
    expect(signaller.selfId).toBe("");
    expect(signaller.peers()).toEqual(["a", "b"]);
    state.self = "a";
    state.present = ["a", "b", "c"];
    expect(signaller.selfId).toBe("a");
    expect(signaller.peers()).toEqual(["b", "c"]);
  });

  it("sends through its source and hands on well-formed signals to every listener until it unsubscribes", () => {
    const { signaller, sent } = signallerFor({ self: "a", present: ["a", "b"] });
    signaller.send("b", { kind: "hello", session: "s1" });
    expect(sent).toEqual([["b", { kind: "hello", session: "s1" }]]);

    const heard: string[] = [];
    const stop = signaller.onSignal((from, signal) => heard.push(`1:${from}:${signal.kind}`));
    signaller.onSignal((from, signal) => heard.push(`2:${from}:${signal.kind}`));
    signaller.receive({ from: "b", signal: { kind: "bye", session: "s2" } });
    signaller.receive({ from: "b", signal: { kind: "nonsense", session: "s2" } } as unknown as RtcSignal);
    signaller.receive({ from: "b", signal: { kind: "hello", session: "" } });
    stop();
    signaller.receive({ from: "c", signal: { kind: "hello", session: "s3" } });
    expect(heard).toEqual(["1:b:bye", "2:b:bye", "2:c:hello"]);
  });

  it("says who left when those present change, and nothing for those who stay or arrive", () => {
    const { signaller } = signallerFor({ self: "a", present: [] });
    const left: string[] = [];
    const stop = signaller.onPeerLeft((id) => left.push(id));
    signaller.presentChanged(["a", "b", "c"], ["a", "c", "d"]);
    expect(left).toEqual(["b"]);
    stop();
    signaller.presentChanged(["a", "c"], []);
    expect(left).toEqual(["b"]);
  });
});
