import { beforeAll, describe, expect, it, vi } from "vitest";
import type { RoomCommand } from "@offshift/core";
import { hotPathOf } from "../client.js";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { createSeries } from "../dropins/series.js";
import { nightRecurrence, nightSeries } from "../testing/series-fixture.js";
import {
  LiveRoomCache,
  roomCommand,
  roomCommands,
  roomWritesOf,
  type RoomActorIn,
  type RoomContext,
} from "./command.js";
import { chatSince, readLiveRoom } from "./live.js";

// The hot path as two realtime nodes run it: each with its own client and cache, one database.
let nodeA: TestPrisma;
let nodeB: TestPrisma;
let leadId: string;
let otherLeadId: string;
let occurrences: { id: string; startsAt: Date }[];
const created = new Date("2026-11-30T12:00:00Z");

const database = useTestDatabase("room_command");

beforeAll(async () => {
  nodeA = database.client();
  nodeB = database.client();
  const person = (displayName: string) =>
    nodeA.person.create({ data: { displayName, roles: ["FACILITATOR"], status: "APPROVED" }, select: { id: true } });
  leadId = (await person("Lee Lead")).id;
  otherLeadId = (await person("Ola Other")).id;
  const made = await createSeries(nodeA, {
    ...nightSeries(leadId, { capacity: 8, recurrence: nightRecurrence({ days: ["TU"] }) }),
    timeZone: "Europe/London",
    now: created,
  });
  if (!made.ok) throw new Error(made.message);
  occurrences = await nodeA.dropInOccurrence.findMany({
    where: { seriesId: made.seriesId },
    orderBy: { startsAt: "asc" },
    select: { id: true, startsAt: true },
    take: 8,
  });
  // The first three and the last three are open (a facilitator pressed "Open the room"): hands and chat are for live rooms.
  if (occurrences.length < 8) throw new Error("the series should have eight nights to test with");
  for (const occ of [...occurrences.slice(0, 3), ...occurrences.slice(5, 8)])
    await nodeA.dropInOccurrence.update({ where: { id: occ.id }, data: { openedAt: minutes(occ, -9) } });
});
const alias = (n: number) => `m_${String(n).padStart(16, "0")}`;
const worker = (n: number): RoomActorIn => ({ id: alias(n), name: `Owl ${n}`, facilitator: false, personId: null });
const lead = (): RoomActorIn => ({ id: alias(1), name: "Lee", facilitator: true, personId: leadId });
const minutes = (occ: { startsAt: Date }, m: number) => new Date(occ.startsAt.getTime() + m * 60_000);

/** One command on one node, authorised as the realtime node does: facilitators are whoever the context lists. */
function on(node: TestPrisma, cache: LiveRoomCache, occ: { id: string; startsAt: Date }) {
  return (actor: RoomActorIn, command: RoomCommand, m: number) =>
    roomCommand(node, {
      occurrenceId: occ.id,
      command,
      now: minutes(occ, m),
      cache,
      authorize: (context: RoomContext) => {
        if (command.name.startsWith("mod:") && !context.facilitatorIds.includes(actor.personId ?? ""))
          return { ok: false, error: { code: "forbidden", message: "Only this session's facilitators can do that." } };
        return { ok: true, actor: { ...actor, facilitator: context.facilitatorIds.includes(actor.personId ?? "") } };
      },
    });
}
const joinCmd = (id: string): RoomCommand => ({ name: "room:join", payload: { occurrenceId: id, listenOnly: false } });
const chat = (text: string): RoomCommand => ({ name: "room:chat", payload: { text } });
const hand = (raised: boolean): RoomCommand => ({ name: "room:hand", payload: { raised } });

describe("the live room's hot path", () => {
  it("runs a command from a warm cache in one round trip, its side effect in the same statement", async () => {
    const occ = occurrences[0]!;
    const cache = new LiveRoomCache();
    const run = on(nodeA, cache, occ);
    expect(await run(worker(2), joinCmd(occ.id), -5)).toMatchObject({ ok: true });
    const query = vi.spyOn(hotPathOf(nodeA), "query");
    try {
      expect(await run(worker(2), chat("first line"), -4)).toMatchObject({ ok: true, changed: true });
      expect(await run(worker(2), hand(true), -4)).toMatchObject({ ok: true, changed: true });
      expect(query).toHaveBeenCalledTimes(2);
    } finally {
      query.mockRestore();
    }
    expect(await chatSince(nodeA, occ.id, 0)).toMatchObject([{ seq: 1, text: "first line", name: "Owl 2" }]);
    expect((await readLiveRoom(nodeB, occ.id))!.hands).toEqual([alias(2)]);
  });

  it("answers with the change and the room as members held it, so a patch can be made", async () => {
    const occ = occurrences[0]!;
    const run = on(nodeA, new LiveRoomCache(), occ);
    const r = await run(worker(2), hand(false), -3);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.snapshot.version).toBe(r.previous.version + 1);
    expect(r.previous.hands).toEqual([alias(2)]);
    expect(r.snapshot.hands).toEqual([]);
  });

  it("a node whose cache is behind decides again from the database: nothing lost, nothing doubled", async () => {
    const occ = occurrences[1]!;
    const cacheA = new LiveRoomCache();
    const a = on(nodeA, cacheA, occ);
    const b = on(nodeB, new LiveRoomCache(), occ);
    expect(await a(worker(2), joinCmd(occ.id), -5)).toMatchObject({ ok: true }); // A caches the room
    // Node B seats someone and takes a chat line: A's cache does not know.
    expect(await b(worker(3), joinCmd(occ.id), -5)).toMatchObject({ ok: true });
    expect(await b(worker(3), chat("from B"), -5)).toMatchObject({ ok: true });
    // On A, a member A has never seen raises a hand (refused from the cache: decided again, and allowed)…
    expect(await a(worker(3), hand(true), -4)).toMatchObject({ ok: true, snapshot: { hands: [alias(3)] } });
    // …and A's next chat line follows B's: sequence 2, not a second 1.
    expect(await a(worker(2), chat("from A"), -4)).toMatchObject({ ok: true });
    expect((await chatSince(nodeA, occ.id, 0)).map((l) => [l.seq, l.text])).toEqual([
      [1, "from B"],
      [2, "from A"],
    ]);
    const room = (await readLiveRoom(nodeA, occ.id))!;
    expect(room.members.map((m) => m.id).sort()).toEqual([alias(2), alias(3)]);
    expect(room.chatSeq).toBe(2);
  });

  it("two nodes racing on one room: every acknowledged chat line is kept, in one order, none doubled", async () => {
    const occ = occurrences[2]!;
    const a = on(nodeA, new LiveRoomCache(), occ);
    const b = on(nodeB, new LiveRoomCache(), occ);
    for (const n of [2, 3]) expect(await a(worker(n), joinCmd(occ.id), -5)).toMatchObject({ ok: true });
    // Each node runs its own commands one at a time (the gate), both nodes at once.
    const lines = async (run: typeof a, who: number, count: number) => {
      const acked: string[] = [];
      for (let i = 0; i < count; i++) {
        const r = await run(worker(who), chat(`${who}.${i}`), -4);
        if (r.ok) acked.push(`${who}.${i}`);
        else expect(r.error.code).toBe("busy");
      }
      return acked;
    };
    const [fromA, fromB] = await Promise.all([lines(a, 2, 30), lines(b, 3, 30)]);
    const kept = await chatSince(nodeA, occ.id, 0);
    expect(kept.map((l) => l.text).sort()).toEqual([...fromA, ...fromB].sort());
    expect(kept.map((l) => l.seq)).toEqual(kept.map((_, i) => i + 1));
    expect(fromA.length + fromB.length).toBeGreaterThan(50); // busy is the rare exception, not the rule
  });

  it("decides several commands for one room in order and writes them as one: one statement, one version", async () => {
    const occ = occurrences[4]!;
    const cache = new LiveRoomCache();
    expect(await on(nodeA, cache, occ)(worker(2), joinCmd(occ.id), -6)).toMatchObject({ ok: true });
    const before = (await readLiveRoom(nodeA, occ.id))!;
    const joining = (n: number) => ({
      command: joinCmd(occ.id),
      authorize: () => ({ ok: true, actor: worker(n) }) as const,
      presence: { socketId: `socket-${n}`, nodeId: "node-a" },
    });
    const query = vi.spyOn(hotPathOf(nodeA), "query");
    try {
      // Everyone arriving at once, decided against the cached room: one write for the three.
      const results = await roomCommands(nodeA, {
        occurrenceId: occ.id,
        now: minutes(occ, -5),
        cache,
        items: [3, 4, 5].map(joining),
      });
      expect(query).toHaveBeenCalledTimes(1);
      for (const r of results) {
        if (!r.ok) throw new Error(r.error.message);
        expect(r.changed).toBe(true);
        expect(r.previous).toEqual(before); // the one patch members get goes from here…
        expect(r.snapshot.version).toBe(before.version + 1); // …to here, with everyone in it
        expect(r.snapshot.members.map((m) => m.id)).toEqual([2, 3, 4, 5].map(alias));
      }
      expect(results.map((r) => r.ok && r.actor.id)).toEqual([3, 4, 5].map(alias));
    } finally {
      query.mockRestore();
    }
    expect(await readLiveRoom(nodeB, occ.id)).toMatchObject({ version: before.version + 1 });
    const present = await nodeA.roomPresence.findMany({
      where: { occurrenceId: occ.id },
      orderBy: { socketId: "asc" },
    });
    expect(present.map((p) => [p.socketId, p.memberId])).toEqual([3, 4, 5].map((n) => [`socket-${n}`, alias(n)]));

    // One refused in the middle (not allowed in, decided from a fresh read) is answered alone; the rest go in.
    const refused = {
      command: joinCmd(occ.id),
      authorize: () => ({ ok: false, error: { code: "forbidden", message: "Choose a nickname to join." } }) as const,
    };
    const mixed = await roomCommands(nodeA, {
      occurrenceId: occ.id,
      now: minutes(occ, -4),
      cache,
      items: [joining(6), refused, joining(7)],
    });
    expect(mixed.map((r) => (r.ok ? r.actor.id : r.error.code))).toEqual([alias(6), "forbidden", alias(7)]);
    expect((await readLiveRoom(nodeA, occ.id))!.members.map((m) => m.id)).toEqual([2, 3, 4, 5, 6, 7].map(alias));
    expect((await readLiveRoom(nodeA, occ.id))!.version).toBe(before.version + 2);
  });

  it("a handover or an opening from the page is seen before the next write: the old facilitator is refused", async () => {
    const occ = occurrences[3]!;
    const cache = new LiveRoomCache();
    const run = on(nodeA, cache, occ);
    expect(await run(lead(), joinCmd(occ.id), -5)).toMatchObject({ ok: true, snapshot: { phase: "lobby" } });
    // The page opens the room (not through this node), then the session is handed to someone else.
    await nodeB.dropInOccurrence.update({ where: { id: occ.id }, data: { openedAt: minutes(occ, -4) } });
    expect(await run(worker(2), joinCmd(occ.id), -4)).toMatchObject({ ok: true, snapshot: { phase: "live" } });
    await nodeB.dropInOccurrence.update({ where: { id: occ.id }, data: { facilitatorId: otherLeadId } });
    await nodeB.dropInSeries.updateMany({ where: { facilitatorId: leadId }, data: { facilitatorId: otherLeadId } });
    expect(await run(lead(), { name: "mod:lock", payload: { locked: true } }, -3)).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect((await readLiveRoom(nodeA, occ.id))!.locked).toBe(false);
  });
});

describe("many rooms' everyday writes, one statement", () => {
  // Rooms 5-7: each test seats worker 2 in them first, on node A (whose cache then holds them).
  const rooms = () => occurrences.slice(5, 8);
  const seated = async (cache: LiveRoomCache) => {
    for (const occ of rooms()) {
      const r = await on(nodeA, cache, occ)(worker(2), joinCmd(occ.id), -5);
      if (!r.ok) throw new Error(r.error.message);
    }
  };
  const versions = async () => Promise.all(rooms().map(async (occ) => (await readLiveRoom(nodeB, occ.id))!.version));
  // Chat in the first and third rooms, a hand in the second (up, then down, then up…): both kinds in one statement.
  let handUp = false;
  const act = (occ: { id: string; startsAt: Date }, i: number, cache: LiveRoomCache, text = `line ${i}`) =>
    on(nodeA, cache, occ)(worker(2), i % 2 === 0 ? chat(text) : hand((handUp = !handUp)), -4);

  it("writes the rooms decided in one turn of the event loop with one statement, each with its own change", async () => {
    const cache = new LiveRoomCache();
    await seated(cache);
    const before = await versions();
    const writes = roomWritesOf(hotPathOf(nodeA));
    const sent = { ...writes.sent };
    const query = vi.spyOn(hotPathOf(nodeA), "query");
    let results;
    try {
      results = await Promise.all(rooms().map((occ, i) => act(occ, i, cache)));
      expect(query).toHaveBeenCalledTimes(1);
    } finally {
      query.mockRestore();
    }
    expect(writes.sent).toEqual({ statements: sent.statements + 1, rooms: sent.rooms + 3 });
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw new Error(r.error.message);
      expect(r.changed).toBe(true);
      expect(r.snapshot.version).toBe(before[i]! + 1);
    }
    expect(await versions()).toEqual(before.map((v) => v + 1));
    const [a, b, c] = rooms();
    expect((await chatSince(nodeB, a!.id, 0)).map((l) => [l.seq, l.text, l.name])).toEqual([[1, "line 0", "Owl 2"]]);
    expect((await chatSince(nodeB, c!.id, 0)).map((l) => [l.seq, l.text])).toEqual([[1, "line 2"]]);
    expect((await readLiveRoom(nodeB, b!.id))!.hands).toEqual([alias(2)]);
    expect((await readLiveRoom(nodeB, a!.id))!.chatSeq).toBe(1);
  });

  it("a room another node wrote meanwhile loses alone and is decided again; the rest of the statement stands", async () => {
    const cache = new LiveRoomCache();
    await seated(cache);
    const [first] = rooms();
    // Node B takes a chat line in the first room: node A's cache of it is now behind.
    expect(await on(nodeB, new LiveRoomCache(), first!)(worker(3), joinCmd(first!.id), -5)).toMatchObject({ ok: true });
    expect(await on(nodeB, new LiveRoomCache(), first!)(worker(3), chat("from B"), -5)).toMatchObject({ ok: true });
    const seq = (await readLiveRoom(nodeB, first!.id))!.chatSeq;
    const before = await versions();
    const writes = roomWritesOf(hotPathOf(nodeA));
    const sent = { ...writes.sent };
    const results = await Promise.all(rooms().map((occ, i) => act(occ, i, cache, `again ${i}`)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    // The statement of three wrote two; the first room, read again, went in a statement of its own.
    expect(writes.sent).toEqual({ statements: sent.statements + 2, rooms: sent.rooms + 4 });
    expect(await versions()).toEqual(before.map((v) => v + 1));
    const lines = await chatSince(nodeB, first!.id, 0);
    expect(lines.slice(-2).map((l) => [l.seq, l.text])).toEqual([
      [seq, "from B"],
      [seq + 1, "again 0"],
    ]);
    expect((await readLiveRoom(nodeB, first!.id))!.members.map((m) => m.id).sort()).toEqual([alias(2), alias(3)]);
  });

  it("a write that fails fails alone: the statement is sent again room by room, and only that room hears it", async () => {
    const cache = new LiveRoomCache();
    await seated(cache);
    const [first, , third] = rooms();
    // A line already stored where the third room's next line will go (as if written behind the room's back).
    const next = (await readLiveRoom(nodeB, third!.id))!.chatSeq + 1;
    await nodeB.roomChatLine.create({
      data: { occurrenceId: third!.id, seq: next, memberId: alias(9), name: "Ghost", text: "in the way", at: created },
    });
    const before = await versions();
    const writes = roomWritesOf(hotPathOf(nodeA));
    const sent = { ...writes.sent };
    const results = await Promise.allSettled(rooms().map((occ, i) => act(occ, i, cache, `third try ${i}`)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
    // One statement of three that failed, then each room alone.
    expect(writes.sent).toEqual({ statements: sent.statements + 4, rooms: sent.rooms + 6 });
    const after = await versions();
    expect(after).toEqual(before.map((v, i) => (i === 2 ? v : v + 1)));
    expect((await chatSince(nodeB, first!.id, 0)).at(-1)!.text).toBe("third try 0");
    expect((await chatSince(nodeB, third!.id, 0)).at(-1)!.text).toBe("in the way");
    cache.forget(third!.id);
  });

  it("two writes of one room in one turn (outside the realtime gate) are never both taken: both land, one after the other", async () => {
    const cache = new LiveRoomCache();
    await seated(cache);
    const [, second] = rooms();
    const run = on(nodeA, cache, second!);
    expect(await run(worker(4), joinCmd(second!.id), -5)).toMatchObject({ ok: true });
    expect(await run(worker(2), hand(false), -5)).toMatchObject({ ok: true });
    const before = (await readLiveRoom(nodeB, second!.id))!.version;
    // Both decided on the same cached version.
    const results = await Promise.all([run(worker(2), hand(true), -4), run(worker(4), hand(true), -4)]);
    expect(results.map((r) => r.ok && r.snapshot.version).sort()).toEqual([before + 1, before + 2]);
    const room = (await readLiveRoom(nodeB, second!.id))!;
    expect(room.version).toBe(before + 2);
    expect([...room.hands].sort()).toEqual([alias(2), alias(4)]);
  });
});
