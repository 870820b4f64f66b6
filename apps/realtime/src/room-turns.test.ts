import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RoomAck, RoomReply } from "@offshift/core";
import { closeDb, createDb, readLiveRoom } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import type { RealtimeServer } from "./server.js";
import { RoomFollower, eventually, startNode, type Client } from "./test-helpers.js";
import { connectedSocket, createOccurrence, facilitatorAndGuests, sendRoom } from "./test-livekit.js";

// Everyone arriving when a session starts: the joins that wait for the room's turn are decided and
// written as one, and the people already in the room get one change for them all.
let db: TestPrisma;
let drop: () => Promise<void>;
let databaseUrl: string;
let node: { server: RealtimeServer; url: string };
const sockets: Client[] = [];

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "room_turns");
  drop = t.drop;
  databaseUrl = t.url;
  db = testPrisma(createDb(t.url));
  node = await startNode(t.url, "node-turns");
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await node?.server.close();
  if (db) await closeDb(db);
  await drop?.();
});

const inFlight = async () =>
  Number(/offshift_realtime_commands_in_flight (\d+)/.exec(await (await fetch(`${node.url}/metrics`)).text())?.[1]);

describe("a room's turn", () => {
  it("joins queued behind the room's turn go in together: one write, one patch, every answer its own", async () => {
    const nicknames = ["Night Owl", "Kit", "Robin", "Wren", "Jay"];
    const { facilitatorId, facilitator, guests } = await facilitatorAndGuests(db, nicknames);
    const occurrenceId = await createOccurrence(db, facilitatorId, 12);
    const maria = await connectedSocket(node.url, facilitator, sockets);
    const follower = new RoomFollower(maria);
    const first = await sendRoom(maria, "room:join", { occurrenceId });
    if (!first.ok) throw new Error(first.error.message);
    follower.take(first.data!.snapshot);
    const arriving = await Promise.all(guests.map((g) => connectedSocket(node.url, g, sockets)));

    // The room's row is held elsewhere, so the first guest's write waits; the other four queue behind it.
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    let answers: Promise<RoomAck<RoomReply>[]>;
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "LiveRoom" WHERE "occurrenceId" = $1::uuid FOR UPDATE`, [occurrenceId]);
      answers = Promise.all(arriving.map((s) => sendRoom(s, "room:join", { occurrenceId })));
      await eventually(inFlight, (n) => n === guests.length);
    } finally {
      await holder.query("COMMIT").catch(() => undefined);
      await holder.end();
    }
    const acks = await answers;

    // Two writes for five joins: the first guest's, then the four that waited, as one. The built-in audio
    // carries six voices, two kept for those running it: the fifth guest is told the room is full, alone.
    const seated = ["Maria", ...nicknames.slice(0, 4)];
    const room = (await readLiveRoom(db, occurrenceId))!;
    expect(room.version).toBe(first.data!.snapshot.version + 2);
    expect(room.members.map((m) => m.name)).toEqual(seated);
    expect(acks[4]).toMatchObject({ ok: false, error: { code: "full" } });
    for (const [i, ack] of acks.slice(0, 4).entries()) {
      if (!ack.ok) throw new Error(ack.error.message);
      // Each has the room with themselves in it, and their own seat.
      const me = ack.data!.snapshot.members.find((m) => m.id === ack.data!.memberId);
      expect(me?.name).toBe(nicknames[i]);
      expect(ack.data!.snapshot.version).toBe(i === 0 ? room.version - 1 : room.version);
    }
    // Everyone seated is present, and Maria followed the room by patches alone: two of them, no resync.
    expect(await db.roomPresence.count({ where: { occurrenceId } })).toBe(seated.length);
    await eventually(
      async () => follower.held?.version,
      (v) => v === room.version,
    );
    expect(follower.held!.members.map((m) => m.name)).toEqual(seated);
    expect([follower.applied, follower.resyncs]).toEqual([2, 0]);
    // /metrics counts the writes: Maria's join, the first guest's, the four's (one room each, each its own turn).
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    const count = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(metrics)?.[1]);
    expect(count("offshift_realtime_room_write_statements_total")).toBe(3);
    expect(count("offshift_realtime_room_writes_total")).toBe(3);
  });
});
