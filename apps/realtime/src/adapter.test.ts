import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@offshift/db/testing/per-file";
import { soloAwareAdapter } from "./adapter.js";
import { eventually } from "./test-helpers.js";

// What the nodes say to each other, read the way another node would: LISTEN on the adapter's channel.
const database = useTestDatabase("cluster-adapter");
const HEARTBEAT = {
  heartbeatIntervalMs: 150,
  heartbeatTimeoutMs: 500,
  heardOutside: (event: string) => event.startsWith("dropin:"),
};
const BROADCAST = 3;
const HEARTBEATS = new Set([1, 2]);

let pool: pg.Pool;
let listener: pg.Client;
const heard: { uid: string; type: number; at: number }[] = [];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: database.url(), max: 4 });
  listener = new pg.Client({ connectionString: database.url() });
  await listener.connect();
  listener.on("notification", (n) => {
    const doc = JSON.parse(n.payload ?? "{}") as { uid: string; type: number };
    heard.push({ uid: doc.uid, type: doc.type, at: Date.now() });
  });
  await listener.query('LISTEN "socket.io#/"');
});
afterAll(async () => {
  await listener?.end();
  await pool?.end();
});

/** A node on the test database; `through`: the pool its adapter is given (default: the shared one). */
async function startNode(through: pg.Pool = pool) {
  const http = createServer();
  const io = new Server(http, { adapter: soloAwareAdapter(through, HEARTBEAT) });
  io.on("connection", (socket) => void socket.join("night-room"));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const uid = (io.of("/").adapter as unknown as { uid: string }).uid;
  return {
    io,
    uid,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

/** Waits for two heartbeats from `uid` heard after now: anything it published before them has arrived too. */
async function settled(uid: string) {
  const since = Date.now();
  await eventually(
    async () => heard.filter((h) => h.uid === uid && HEARTBEATS.has(h.type) && h.at > since).length,
    (n) => n >= 2,
  );
}

/** A member connected to `url`, in the night room: every "line" it hears, in order. */
async function listeningMember(url: string) {
  const member = connect(url, { transports: ["websocket"], reconnection: false, forceNew: true });
  await new Promise<void>((resolve) => member.once("connect", () => resolve()));
  const lines: string[] = [];
  member.on("line", (text: string) => lines.push(text));
  return { member, lines };
}

const broadcastsFrom = (uid: string, since = 0) =>
  heard.filter((h) => h.uid === uid && h.type === BROADCAST && h.at >= since).length;

describe("the cluster adapter with one node", () => {
  it("publishes broadcasts while it may not yet know the others, then nothing but heartbeats when it is alone", async () => {
    const a = await startNode();
    try {
      // Just started: other nodes may exist that it has not heard from, so it tells them.
      a.io.to("night-room").emit("line", "early");
      await eventually(
        async () => broadcastsFrom(a.uid),
        (n) => n === 1,
      );

      // Past the heartbeat timeout with nobody heard from: nobody to tell.
      await new Promise((r) => setTimeout(r, HEARTBEAT.heartbeatTimeoutMs + 100));
      const quietFrom = Date.now();
      for (let i = 0; i < 20; i++) a.io.to("night-room").emit("line", `alone ${i}`);
      await settled(a.uid);
      expect(broadcastsFrom(a.uid, quietFrom)).toBe(0);
      // What web follows on this channel (Tonight's drop-in events) still goes out, alone or not.
      a.io.to("public").emit("dropin:occupancy", { occurrenceId: "x" });
      await eventually(
        async () => broadcastsFrom(a.uid, quietFrom),
        (n) => n === 1,
      );
    } finally {
      await a.close();
    }
  });

  it("publishes again as soon as a second node appears, and a member on it hears the room; quiet again once it is gone", async () => {
    const a = await startNode();
    try {
      await new Promise((r) => setTimeout(r, HEARTBEAT.heartbeatTimeoutMs + 100));
      const b = await startNode();
      const { member, lines } = await listeningMember(b.url);
      try {
        // Sent from node A, whose only listener in the room is on node B.
        let n = 0;
        await eventually(
          async () => {
            a.io.to("night-room").emit("line", `from a ${++n}`);
            return lines.length;
          },
          (count) => count > 0,
        );
        expect(broadcastsFrom(a.uid)).toBeGreaterThan(0);
      } finally {
        member.disconnect();
        await b.close();
      }
      // B is silent from now on: once A forgets it, A stops publishing.
      await new Promise((r) => setTimeout(r, HEARTBEAT.heartbeatTimeoutMs + 100));
      await eventually(
        async () => {
          const from = Date.now();
          a.io.to("night-room").emit("line", "alone again");
          await settled(a.uid);
          return broadcastsFrom(a.uid, from);
        },
        (count) => count === 0,
      );
    } finally {
      await a.close();
    }
  });

  it("a burst of broadcasts goes out in a few statements, and a member on the other node hears every one, in order, repeats included", async () => {
    let statements = 0;
    const counting = new Proxy(pool, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
        return (...args: unknown[]) => {
          statements++;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    const a = await startNode(counting);
    const b = await startNode();
    const { member, lines } = await listeningMember(b.url);
    try {
      // A knows B is there once a line reaches the member.
      await eventually(
        async () => {
          a.io.to("night-room").emit("line", "ping");
          return lines.length;
        },
        (n) => n > 0,
      );
      await new Promise((r) => setTimeout(r, 200));
      lines.length = 0;
      const sent = Array.from({ length: 120 }, (_, i) => (i % 10 === 0 ? "the same line" : `line ${i}`));
      const before = statements;
      for (const line of sent) a.io.to("night-room").emit("line", line);
      await eventually(
        async () => lines.length,
        (n) => n >= sent.length,
      );
      expect(lines).toEqual(sent);
      // One statement per run of distinct lines: each repeat starts the next (PostgreSQL would fold it
      // into its twin), so 12 here where one per message was 120; a heartbeat may add one or two.
      expect(statements - before).toBeLessThanOrEqual(12 + 2);
    } finally {
      member.disconnect();
      await b.close();
      await a.close();
    }
  });
});
