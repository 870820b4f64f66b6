import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RoomAck, RoomChatLine, RoomReply } from "@offshift/core";
import { chatSince, closeDb, createDb } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { BUSY, CommandGate } from "./gate.js";
import { createMetrics } from "./metrics.js";
import type { RealtimeServer } from "./server.js";
import { eventually, startNode, type Client } from "./test-helpers.js";
import { connectedSocket, createOccurrence, facilitatorAndGuests, sendRoom } from "./test-livekit.js";

/** A command that finishes when told to, recording when it ran. */
function held(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish,
    work: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
  };
}

describe("CommandGate", () => {
  it("runs one room's commands one at a time in arrival order, other rooms' beside them", async () => {
    const gate = new CommandGate({ perNode: 10, perKey: 5 });
    const log: string[] = [];
    const [a1, a2, b1] = [held(log, "a1"), held(log, "a2"), held(log, "b1")];
    const results = [gate.run("a", "room", a1.work), gate.run("a", "room", a2.work), gate.run("b", "room", b1.work)];
    await eventually(
      async () => log.length,
      (n) => n === 2,
    );
    expect(log).toEqual(["start a1", "start b1"]); // a2 waits for a1; b1 does not
    a2.finish(); // finishing early changes nothing: it has not started
    a1.finish();
    b1.finish();
    expect(await Promise.all(results)).toEqual(["a1", "a2", "b1"]);
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
    expect(gate.admitted).toBe(0);
  });

  it("refuses at once when a room or the node has too much waiting, and admits again once it drains", async () => {
    const metrics = createMetrics();
    const gate = new CommandGate({ perNode: 3, perKey: 2 }, metrics);
    const log: string[] = [];
    const hs = [held(log, "a1"), held(log, "a2"), held(log, "b1")];
    const admitted = [gate.run("a", "room", hs[0]!.work), gate.run("a", "room", hs[1]!.work)];
    expect(gate.run("a", "room", async () => "a3")).toBe(BUSY); // the room's queue is full
    admitted.push(gate.run("b", "talk", hs[2]!.work) as Promise<string>);
    expect(gate.run("c", "room", async () => "c1")).toBe(BUSY); // the node is full
    expect(gate.admitted).toBe(3);
    for (const h of hs) h.finish();
    await Promise.all(admitted);
    await eventually(
      async () => gate.admitted,
      (n) => n === 0,
    );
    expect(await gate.run("c", "room", async () => "c1")).toBe("c1");
    // Timings are recorded as each command settles (c1's just after its answer).
    const text = await eventually(
      () => metrics.registry.metrics(),
      (t) => t.includes('offshift_realtime_command_seconds_count{kind="room"} 3'),
    );
    expect(text).toContain('offshift_realtime_commands_busy_total{kind="room"} 2');
    expect(text).toContain('offshift_realtime_command_seconds_count{kind="talk"} 1');
  });

  it("the node's own work (a disconnected member leaving) is never refused, runs in the room's order, and counts", async () => {
    const gate = new CommandGate({ perNode: 2, perKey: 2 });
    const log: string[] = [];
    const hs = [held(log, "a1"), held(log, "a2")];
    const admitted = hs.map((h) => gate.run("a", "room", h.work) as Promise<string>);
    expect(gate.run("a", "room", async () => "a3")).toBe(BUSY);
    const leave = gate.run("a", "room", async () => (log.push("leave"), "left"), undefined, { always: true });
    expect(leave).not.toBe(BUSY);
    expect(gate.admitted).toBe(3);
    // While it waits, a command from someone else is still refused: the node is over its limit.
    expect(gate.run("b", "room", async () => "b1")).toBe(BUSY);
    for (const h of hs) h.finish();
    expect(await Promise.all([...admitted, leave])).toEqual(["a1", "a2", "left"]);
    expect(log.indexOf("end a2")).toBeLessThan(log.indexOf("leave"));
    await eventually(
      async () => gate.admitted,
      (n) => n === 0,
    );
  });

  it("a command that fails does not hold up the next one", async () => {
    const gate = new CommandGate({ perNode: 4, perKey: 4 });
    const failing = gate.run("a", "room", async () => {
      throw new Error("database went away");
    });
    const next = gate.run("a", "room", async () => "next");
    await expect(failing).rejects.toThrow("database went away");
    expect(await next).toBe("next");
  });

  it("hands those of a kind queued right behind a running command to one turn, in arrival order", async () => {
    const gate = new CommandGate({ perNode: 10, perKey: 10 });
    const log: string[] = [];
    const first = held(log, "first");
    const turns: string[][] = [];
    const together = (item: string) => ({
      tag: "join",
      item,
      runAll: async (items: unknown[]) => {
        turns.push(items as string[]);
        return (items as string[]).map((i) => `answer ${i}`);
      },
    });
    const alone = (name: string) => async () => {
      turns.push([name]);
      return `answer ${name}`;
    };
    const answers = [
      gate.run("a", "room", first.work), // holds the room's turn while the rest arrive
      gate.run("a", "room", alone("j1"), together("j1")),
      gate.run("a", "room", alone("j2"), together("j2")),
      gate.run("a", "room", alone("j3"), together("j3")),
      gate.run("a", "room", alone("chat")), // not of the kind: its own turn, and the end of the run of joins
      gate.run("a", "room", alone("j4"), together("j4")),
      gate.run("b", "room", alone("b1"), together("b1")), // another room's: never with room a's
    ];
    await eventually(
      async () => log.length,
      (n) => n === 1,
    );
    first.finish();
    expect(await Promise.all(answers)).toEqual([
      "first",
      "answer j1",
      "answer j2",
      "answer j3",
      "answer chat",
      "answer j4",
      "answer b1",
    ]);
    expect(turns).toEqual([["b1"], ["j1", "j2", "j3"], ["chat"], ["j4"]]);
    await eventually(
      async () => gate.admitted,
      (n) => n === 0,
    );
  });

  it("a turn that fails fails each command in it, and the next turn still runs", async () => {
    const gate = new CommandGate({ perNode: 10, perKey: 10 });
    const log: string[] = [];
    const first = held(log, "first");
    const failing = {
      tag: "join",
      item: null,
      runAll: async () => {
        throw new Error("database went away");
      },
    };
    const runs = [gate.run("a", "room", first.work), gate.run("a", "room", async () => "x", failing)];
    runs.push(gate.run("a", "room", async () => "y", failing) as Promise<string>);
    const after = gate.run("a", "room", async () => "after");
    first.finish();
    await expect(runs[1]).rejects.toThrow("database went away");
    await expect(runs[2]).rejects.toThrow("database went away");
    expect(await after).toBe("after");
  });

  it("refuses limits that are not positive integers", () => {
    expect(() => new CommandGate({ perKey: 0 })).toThrow(/perKey/);
    expect(() => new CommandGate({ perNode: 1.5 })).toThrow(/perNode/);
  });
});

describe("a flood past the node's capacity over Socket.IO", () => {
  let db: TestPrisma;
  let drop: () => Promise<void>;
  let node: { server: RealtimeServer; url: string };
  const sockets: Client[] = [];

  beforeAll(async () => {
    const t = await createTestDatabase(inject("pgAdminUrl"), "gate");
    drop = t.drop;
    db = testPrisma(createDb(t.url));
    // Tiny limits so that a handful of sockets overload it.
    node = await startNode(t.url, "node-gate", { gate: { perNode: 3, perKey: 2 } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await node?.server.close();
    if (db) await closeDb(db);
    await drop?.();
  });

  it("answers every command ok or busy, loses no acknowledged line, and recovers by itself", async () => {
    const { facilitatorId, facilitator, guests } = await facilitatorAndGuests(db, ["Night Owl", "Kit", "Robin"]);
    const occurrenceId = await createOccurrence(db, facilitatorId, 12);
    const everyone: Client[] = [];
    for (const actor of [facilitator, ...guests]) {
      const s = await connectedSocket(node.url, actor, sockets);
      expect(await sendRoom(s, "room:join", { occurrenceId })).toMatchObject({ ok: true });
      everyone.push(s);
    }
    expect(await sendRoom(everyone[0]!, "mod:open")).toMatchObject({ ok: true });
    const received = everyone.map(() => [] as string[]);
    everyone.forEach((s, i) => s.on("room:chat", (line: RoomChatLine) => received[i]!.push(line.text)));

    // Every socket sends its five lines at once: 20 commands for one room with room for 2.
    const sent = everyone.flatMap((s, i) =>
      [1, 2, 3, 4, 5].map(async (n) => ({
        text: `line ${i}.${n}`,
        ack: await sendRoom(s, "room:chat", { text: `line ${i}.${n}` }),
      })),
    );
    const answers = await Promise.all(sent);
    const codes = answers.map(({ ack }) => (ack.ok ? "ok" : ack.error.code));
    expect(new Set(codes)).toEqual(new Set(["ok", "busy"]));
    const busy = answers.find(({ ack }) => !ack.ok)!.ack as Extract<RoomAck<RoomReply>, { ok: false }>;
    expect(busy.error.message).toMatch(/very busy/);

    // What was acknowledged is stored and reached everyone; what was refused was never done.
    const acknowledged = answers
      .filter(({ ack }) => ack.ok)
      .map(({ text }) => text)
      .sort();
    const stored = (await chatSince(db, occurrenceId, 0)).map((l) => l.text).sort();
    expect(stored).toEqual(acknowledged);
    for (const lines of received)
      await eventually(
        async () => [...lines].sort(),
        (got) => JSON.stringify(got) === JSON.stringify(acknowledged),
      );

    // The refused lines, sent again as the browser does once the load has passed, are all taken:
    // a busy refusal costs nothing against the sender's chat budget (5 lines per 10 s).
    for (const { text } of answers.filter(({ ack }) => !ack.ok)) {
      const sender = everyone[Number(text.split(" ")[1]!.split(".")[0])]!;
      expect(await sendRoom(sender, "room:chat", { text })).toMatchObject({ ok: true });
    }
    expect((await chatSince(db, occurrenceId, 0)).length).toBe(20);

    // The load is gone: the same room answers at once, and the node says what it refused.
    expect(await sendRoom(everyone[1]!, "room:hand", { raised: true })).toMatchObject({ ok: true });
    const metrics = await eventually(
      async () => (await fetch(`${node.url}/metrics`)).text(),
      (text) => text.includes("offshift_realtime_commands_in_flight 0"),
    );
    const refused = Number(/offshift_realtime_commands_busy_total\{kind="room"\} (\d+)/.exec(metrics)?.[1]);
    expect(refused).toBe(codes.filter((c) => c === "busy").length);
  });
});
