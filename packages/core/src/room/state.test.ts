import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROOM_COMMANDS, parseRoomCommand, type RoomCommand } from "./commands.js";
import { FACILITATOR_PLACES } from "../dropins/places.js";
import {
  applyRoomCommand,
  emptyRoom,
  mayReadRoom,
  roomInvariantProblems,
  roomSnapshot,
  workerPlacesForAudio,
  type RoomActor,
  type LiveRoomState,
} from "./state.js";

const OCC = "0b8f3a52-5a0e-4c7e-9c1d-2f4b6a8c0e11";
const id = (kind: "person" | "guest", n: number) => `m_${kind === "person" ? "a" : "b"}${String(n).padStart(15, "0")}`;
const maria: RoomActor = { id: id("person", 1), name: "Maria", facilitator: true };
const owl: RoomActor = { id: id("guest", 2), name: "Night Owl", facilitator: false };
const sam: RoomActor = { id: id("guest", 3), name: "Sam", facilitator: false };

function run(state: LiveRoomState, actor: RoomActor, name: string, payload: unknown = {}) {
  const parsed = parseRoomCommand(name, payload);
  if (!parsed.ok) return { ok: false as const, error: parsed.error };
  return applyRoomCommand(state, actor, parsed.command, 1000);
}
function must(state: LiveRoomState, actor: RoomActor, name: string, payload: unknown = {}): LiveRoomState {
  const r = run(state, actor, name, payload);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.state;
}

describe("live room rules", () => {
  const opened = () => {
    let s = emptyRoom(OCC, 2);
    s = must(s, owl, "room:join", { occurrenceId: OCC });
    s = must(s, maria, "room:join", { occurrenceId: OCC });
    return must(s, maria, "mod:open");
  };

  it("workers wait in the lobby; only a facilitator opens the room", () => {
    let s = must(emptyRoom(OCC, 2), owl, "room:join", { occurrenceId: OCC, listenOnly: true });
    expect(s.phase).toBe("lobby");
    expect(s.members[0]).toMatchObject({ muted: true, listenOnly: true });
    expect(run(s, owl, "mod:open")).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(run(s, owl, "room:hand", { raised: true })).toMatchObject({ ok: false, error: { code: "not_open" } });
    s = must(must(s, maria, "room:join", { occurrenceId: OCC }), maria, "mod:open");
    expect(s.phase).toBe("live");
  });

  it("keeps hands in the order raised, and a reconnect keeps the seat and the hand", () => {
    let s = must(opened(), sam, "room:join", { occurrenceId: OCC });
    s = must(s, sam, "room:hand", { raised: true });
    s = must(s, owl, "room:hand", { raised: true });
    s = must(s, sam, "room:hand", { raised: true }); // again: keeps its place
    expect(s.hands).toEqual([sam.id, owl.id]);
    expect(run(s, sam, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: true, state: s });
    const snap = roomSnapshot(s, 7);
    expect(snap.members.find((m) => m.id === owl.id)).toMatchObject({ name: "Night Owl", handPosition: 2 });
    expect(snap).toMatchObject({ hands: [sam.id, owl.id], version: 7 });
    s = must(s, maria, "mod:lower-all-hands");
    expect(s.hands).toEqual([]);
  });

  it("a facilitator's mute is enforced: the member cannot unmute themselves", () => {
    let s = must(opened(), maria, "mod:mute", { participantId: owl.id });
    expect(run(s, owl, "room:mute", { muted: false })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(roomSnapshot(s, 1).members.find((m) => m.id === owl.id)).toMatchObject({ muted: true });
    s = must(s, owl, "room:mute", { muted: true });
    expect(roomInvariantProblems(s)).toEqual([]);
  });

  it("removal sticks: a removed person cannot rejoin, even when the room is unlocked", () => {
    let s = must(opened(), owl, "room:hand", { raised: true });
    const removed = run(s, maria, "mod:remove", { participantId: owl.id });
    expect(removed).toMatchObject({ ok: true, effects: [{ kind: "removed", memberId: owl.id }] });
    s = (removed as { state: LiveRoomState }).state;
    expect(s.hands).toEqual([]);
    expect(run(s, owl, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: false, error: { code: "removed" } });
  });

  it("only members read the room: a removed person or a stranger gets no snapshot and no side-chat", () => {
    let s = must(opened(), owl, "room:chat", { text: "before" });
    s = must(s, maria, "mod:remove", { participantId: owl.id });
    expect(run(s, owl, "room:sync", { afterChatSeq: 0 })).toMatchObject({ ok: false, error: { code: "removed" } });
    expect(run(s, owl, "room:chat", { text: "hello?" })).toMatchObject({ ok: false, error: { code: "removed" } });
    expect(run(s, sam, "room:sync", { afterChatSeq: 0 })).toMatchObject({ ok: false, error: { code: "not_in_room" } });
    expect(run(s, maria, "room:sync", { afterChatSeq: 0 })).toMatchObject({ ok: true });
    expect(mayReadRoom(s, owl.id)).toBe(false);
    expect(mayReadRoom(s, sam.id)).toBe(false);
    expect(mayReadRoom(s, maria.id)).toBe(true);
  });

  it("a locked room admits facilitators only; capacity counts workers only", () => {
    let s = must(opened(), maria, "mod:lock", { locked: true });
    expect(run(s, sam, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: false, error: { code: "locked" } });
    s = must(s, maria, "mod:lock", { locked: false });
    s = must(s, sam, "room:join", { occurrenceId: OCC });
    const fourth: RoomActor = { id: id("guest", 4), name: "Kit", facilitator: false };
    expect(run(s, fourth, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: false, error: { code: "full" } });
    const dev: RoomActor = { id: id("person", 5), name: "Dev", facilitator: true };
    expect(run(s, dev, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: true });
  });

  it("side-chat lines are numbered for replay; ending empties the room for good", () => {
    let s = opened();
    const r = run(s, owl, "room:chat", { text: "  long night  " });
    expect(r).toMatchObject({ ok: true, effects: [{ kind: "chat", seq: 1, name: "Night Owl", text: "long night" }] });
    s = must(s, maria, "mod:end");
    expect(s).toMatchObject({ phase: "ended", members: [], hands: [] });
    expect(run(s, owl, "room:join", { occurrenceId: OCC })).toMatchObject({ ok: false, error: { code: "ended" } });
  });

  it("workers cannot moderate", () => {
    const s = opened();
    for (const [name, payload] of [
      ["mod:mute", { participantId: maria.id }],
      ["mod:remove", { participantId: maria.id }],
      ["mod:lock", { locked: true }],
      ["mod:end", {}],
      ["mod:flag", { category: "other" }],
    ] as const)
      expect(run(s, owl, name, payload)).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });
});

describe("places kept for the people who run the session", () => {
  const mesh = { audio: { maxMembers: 6, fullMessage: "The built-in audio is full." } };
  const guest = (n: number): RoomActor => ({ id: id("guest", 100 + n), name: `Guest ${n}`, facilitator: false });
  const join = (s: LiveRoomState, a: RoomActor) =>
    applyRoomCommand(s, a, { name: "room:join", payload: { occurrenceId: OCC, listenOnly: false } }, 1000, mesh);

  it("six guests waiting early never shut out the facilitator or a coordinator stepping in", () => {
    let s = emptyRoom(OCC, 10);
    const answers = [];
    for (let n = 1; n <= 6; n++) {
      const r = join(s, guest(n));
      answers.push(r.ok ? "in" : r.error.code);
      if (r.ok) s = r.state;
    }
    expect(answers).toEqual(["in", "in", "in", "in", "full", "full"]);
    expect(join(s, guest(5))).toMatchObject({ ok: false, error: { message: "The built-in audio is full." } });
    s = must(s, maria, "room:join", { occurrenceId: OCC });
    const coordinator: RoomActor = { id: id("person", 9), name: "Dev", facilitator: true };
    const r = join(s, coordinator);
    expect(r.ok).toBe(true);
    expect(workerPlacesForAudio(s, 6)).toBe(6 - FACILITATOR_PLACES);
  });

  it("property: the people running it always get in; workers never take the kept places or pass capacity", () => {
    const people = [
      ...[1, 2, 3].map((n): RoomActor => ({ id: id("person", n), name: `Staff ${n}`, facilitator: true })),
      ...Array.from({ length: 10 }, (_, n) => guest(n)),
    ];
    const step = fc.record({
      who: fc.integer({ min: 0, max: people.length - 1 }),
      what: fc.constantFrom("room:join", "room:join", "room:leave"),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2, max: 8 }),
        fc.array(step, { maxLength: 40 }),
        (capacity, maxMembers, steps) => {
          const limits = { audio: { maxMembers, fullMessage: "full" } };
          let s = emptyRoom(OCC, capacity);
          for (const { who, what } of steps) {
            const actor = people[who]!;
            const command: RoomCommand =
              what === "room:join"
                ? { name: "room:join", payload: { occurrenceId: OCC, listenOnly: false } }
                : { name: "room:leave", payload: {} };
            const r = applyRoomCommand(s, actor, command, 1000, limits);
            if (actor.facilitator) expect(r.ok).toBe(true);
            if (!r.ok) continue;
            s = r.state;
            const workers = s.members.filter((m) => !m.facilitator).length;
            expect(workers).toBeLessThanOrEqual(Math.min(capacity, Math.max(0, maxMembers - FACILITATOR_PLACES)));
            expect(roomInvariantProblems(s)).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("fuzz: random commands from random people", () => {
  const actors: RoomActor[] = [
    maria,
    owl,
    sam,
    { id: id("guest", 4), name: "Kit", facilitator: false },
    { id: id("person", 5), name: "Dev", facilitator: true },
  ];
  const junk = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.string(),
    fc.array(fc.anything(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.anything(), { maxKeys: 4 }),
  );
  const sensible = fc.record({
    occurrenceId: fc.constantFrom(OCC, "nope"),
    listenOnly: fc.boolean(),
    raised: fc.boolean(),
    muted: fc.boolean(),
    locked: fc.boolean(),
    status: fc.constantFrom("ok", "need-a-minute", "asleep"),
    text: fc.string({ maxLength: 600 }),
    participantId: fc.constantFrom(...actors.map((a) => a.id), "m_bad"),
    category: fc.constantFrom("other", "risk-to-self", "weather"),
    afterChatSeq: fc.integer({ min: -2, max: 5 }),
  });
  const step = fc.record({
    actor: fc.integer({ min: 0, max: actors.length - 1 }),
    name: fc.oneof(fc.constantFrom(...ROOM_COMMANDS), fc.string({ maxLength: 12 })),
    payload: fc.oneof(sensible, junk),
  });

  it("never throws, refusals change nothing, and the room's invariants always hold", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), (steps, capacity) => {
        let s = emptyRoom(OCC, capacity);
        let t = 0;
        for (const st of steps) {
          const parsed = parseRoomCommand(st.name, st.payload);
          if (!parsed.ok) {
            expect(parsed.error.code).toBe("invalid");
            continue;
          }
          const before = JSON.stringify(s);
          const r = applyRoomCommand(s, actors[st.actor]!, parsed.command as RoomCommand, (t += 1000));
          if (!r.ok) {
            expect(JSON.stringify(s)).toBe(before);
            expect(r.error.message.length).toBeGreaterThan(0);
            continue;
          }
          // Reading the room back or chatting is for members only (an ended room has nothing to read).
          if (parsed.command.name === "room:sync" || parsed.command.name === "room:chat")
            expect(s.phase === "ended" || mayReadRoom(s, actors[st.actor]!.id)).toBe(true);
          s = r.state;
          expect(roomInvariantProblems(s)).toEqual([]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
