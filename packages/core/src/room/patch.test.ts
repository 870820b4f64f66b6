import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROOM_COMMANDS, parseRoomCommand } from "./commands.js";
import { RoomPatches, applyRoomPatch, roomPatch } from "./patch.js";
import { applyRoomCommand, emptyRoom, roomSnapshot, type LiveRoomState, type RoomActor } from "./state.js";

const OCC = "0b8f3a52-5a0e-4c7e-9c1d-2f4b6a8c0e11";
const id = (n: number) => `m_${String(n).padStart(16, "0")}`;
const actors: RoomActor[] = [
  { id: id(1), name: "Maria", facilitator: true },
  { id: id(2), name: "Night Owl", facilitator: false },
  { id: id(3), name: "Sam", facilitator: false },
  { id: id(4), name: "Kit", facilitator: false },
  { id: id(5), name: "Dev", facilitator: true },
];
const payload = fc.record({
  occurrenceId: fc.constant(OCC),
  listenOnly: fc.boolean(),
  raised: fc.boolean(),
  muted: fc.boolean(),
  locked: fc.boolean(),
  status: fc.constantFrom("ok", "need-a-minute"),
  text: fc.string({ minLength: 1, maxLength: 20 }),
  participantId: fc.constantFrom(...actors.map((a) => a.id)),
  category: fc.constantFrom("other", "risk-to-self"),
  afterChatSeq: fc.constant(0),
});
const step = fc.record({
  actor: fc.integer({ min: 0, max: actors.length - 1 }),
  name: fc.constantFrom(...ROOM_COMMANDS),
  payload,
});

/** Every state a room goes through for a run of random commands. */
function history(steps: { actor: number; name: string; payload: unknown }[]): LiveRoomState[] {
  let s = emptyRoom(OCC, 3);
  const out = [s];
  let t = 0;
  for (const st of steps) {
    const parsed = parseRoomCommand(st.name, st.payload);
    if (!parsed.ok) continue;
    const r = applyRoomCommand(s, actors[st.actor]!, parsed.command, (t += 1000));
    if (r.ok) out.push((s = r.state));
  }
  return out;
}

describe("room patches", () => {
  it("turn each snapshot into the next exactly, through any run of commands", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        const states = history(steps);
        let held = roomSnapshot(states[0]!, 0);
        for (let v = 1; v < states.length; v++) {
          const next = roomSnapshot(states[v]!, v);
          const patch = roomPatch(held, next);
          held = applyRoomPatch(held, patch)!;
          expect(held).toEqual(next);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("apply to the version they were made from and nothing else: a client that missed one resyncs", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 3, maxLength: 30 }), (steps) => {
        const states = history(steps);
        fc.pre(states.length >= 3);
        const a = roomSnapshot(states[0]!, 0);
        const b = roomSnapshot(states[1]!, 1);
        const c = roomSnapshot(states[2]!, 2);
        expect(applyRoomPatch(a, roomPatch(b, c))).toBeNull(); // missed b
        expect(applyRoomPatch(c, roomPatch(a, b))).toBeNull(); // an old patch arriving late
        expect(applyRoomPatch(null, roomPatch(a, b))).toBeNull();
        expect(applyRoomPatch({ ...a, occurrenceId: "other" }, roomPatch(a, b))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("a client ignores what it already has, applies what follows, and waits for one that arrives out of order", () => {
    const states = history([
      { actor: 1, name: "room:join", payload: { occurrenceId: OCC } },
      { actor: 2, name: "room:join", payload: { occurrenceId: OCC } },
      { actor: 3, name: "room:join", payload: { occurrenceId: OCC } },
      { actor: 4, name: "room:join", payload: { occurrenceId: OCC } },
    ]);
    const [a, b, c, d] = states.slice(1, 5).map((s, i) => roomSnapshot(s, i + 1));
    const patches = new RoomPatches();
    expect(patches.receive(b!, roomPatch(a!, b!))).toEqual({ snapshot: null, gap: false }); // already held
    expect(patches.receive(a!, roomPatch(a!, b!))).toEqual({ snapshot: b, gap: false });
    // c→d arrives before b→c (another node's change crossing the adapter late): held, then both applied.
    expect(patches.receive(b!, roomPatch(c!, d!))).toEqual({ snapshot: null, gap: true });
    expect(patches.receive(b!, roomPatch(b!, c!))).toEqual({ snapshot: d, gap: false });
    // A gap that a whole snapshot fills: what it makes stale is dropped.
    expect(patches.receive(a!, roomPatch(c!, d!))).toEqual({ snapshot: null, gap: true });
    expect(patches.settle(d!)).toEqual({ snapshot: null, gap: false });
  });

  it("any arrival order of a run of patches ends at the last snapshot once all have come", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 30 }), fc.func(fc.integer()), (steps, rank) => {
        const snaps = history(steps).map((s, v) => roomSnapshot(s, v));
        const sent = snaps.slice(1).map((s, i) => roomPatch(snaps[i]!, s));
        const order = sent.map((p, i) => ({ p, k: rank(i) })).sort((x, y) => x.k - y.k);
        const patches = new RoomPatches();
        let held = snaps[0]!;
        let gap = false;
        for (const { p } of order) {
          const r = patches.receive(held, p);
          if (r.snapshot) held = r.snapshot;
          gap = r.gap;
        }
        expect(held).toEqual(snaps.at(-1));
        expect(gap).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("carry only what changed: a chat line is the sequence number, a hand one member and the queue", () => {
    let s = emptyRoom(OCC, 12, "live");
    for (let n = 0; n < 12; n++)
      s = (
        applyRoomCommand(
          s,
          { id: id(10 + n), name: `Worker ${n}`, facilitator: false },
          {
            name: "room:join",
            payload: { occurrenceId: OCC, listenOnly: false },
          },
          1000,
        ) as { ok: true; state: LiveRoomState }
      ).state;
    const before = roomSnapshot(s, 12);
    const chat = applyRoomCommand(
      s,
      { id: id(10), name: "Worker 0", facilitator: false },
      {
        name: "room:chat",
        payload: { text: "hello" },
      },
      2000,
    );
    const hand = applyRoomCommand(
      s,
      { id: id(13), name: "Worker 3", facilitator: false },
      {
        name: "room:hand",
        payload: { raised: true },
      },
      2000,
    );
    if (!chat.ok || !hand.ok) throw new Error("refused");
    const chatPatch = roomPatch(before, roomSnapshot(chat.state, 13));
    expect(chatPatch).toEqual({ occurrenceId: OCC, from: 12, version: 13, set: { chatSeq: 1 } });
    const handPatch = roomPatch(before, roomSnapshot(hand.state, 13));
    expect(handPatch.members?.map((m) => m.id)).toEqual([id(13)]);
    expect(handPatch.gone).toBeUndefined();
    expect(handPatch.order).toBeUndefined();
    expect(JSON.stringify(handPatch).length).toBeLessThan(JSON.stringify(before).length / 4);
  });
});
