import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";
import type { ServerToClientEvents } from "@offshift/core";
import { createTestDatabase } from "@offshift/db/testing";
import { client, startNode, waitFor, type Client } from "./test-helpers.js";
import type { RealtimeServer } from "./server.js";

let databaseUrl: string;
let drop: () => Promise<void>;
const servers: RealtimeServer[] = [];
const sockets: Client[] = [];

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "realtime");
  databaseUrl = t.url;
  drop = t.drop;
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await Promise.all(servers.map((s) => s.close()));
  await drop();
});

async function node(id: string) {
  const n = await startNode(databaseUrl, id);
  servers.push(n.server);
  return n;
}

describe("HTTP operations endpoints", () => {
  it("answers /healthz, /readyz and /metrics", async () => {
    const { url } = await node("ops-1");
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", nodeId: "ops-1" });
    // helmet's protective headers.
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(health.headers.get("x-powered-by")).toBeNull();

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: "up" });

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    expect(text).toContain("# TYPE offshift_realtime_sockets_connected gauge");
    expect(text).toContain("offshift_realtime_database_up 1");

    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it("counts connected sockets in /metrics", async () => {
    const { url } = await node("ops-2");
    const s = client(url);
    sockets.push(s);
    await waitFor(s, "welcome");
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/offshift_realtime_sockets_connected 1\b/);
  });

  it("refuses a port that is already taken, naming it", async () => {
    const { server } = await node("ops-3");
    const address = server.http.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const { createRealtimeServer } = await import("./server.js");
    const { silentLogger, TICKET_SECRET } = await import("./test-helpers.js");
    const second = createRealtimeServer({
      databaseUrl,
      nodeId: "dup",
      corsOrigins: "*",
      ticketSecret: TICKET_SECRET,
      logger: silentLogger,
    });
    await expect(second.listen(port, "127.0.0.1")).rejects.toThrow(`PORT ${port} is already in use`);
    await second.close();
  });
});

describe("Socket.IO over the Postgres cluster adapter", () => {
  it("greets a new connection with the node id", async () => {
    const { url } = await node("greet");
    const s = client(url);
    sockets.push(s);
    const welcome = await waitFor<Parameters<ServerToClientEvents["welcome"]>[0]>(s, "welcome");
    expect(welcome.nodeId).toBe("greet");
  });

  it("answers a page's live:ping at once (how a room page finds out its link died)", async () => {
    const { url } = await node("alive");
    const s = client(url);
    sockets.push(s);
    await waitFor(s, "welcome");
    const started = Date.now();
    await s.timeout(2000).emitWithAck("live:ping");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("delivers an event published with the official Postgres emitter (as web does) to clients on every node", async () => {
    const a = await node("node-a");
    const b = await node("node-b");
    const onA = client(a.url);
    const onB = client(b.url);
    sockets.push(onA, onB);
    await Promise.all([waitFor(onA, "welcome"), waitFor(onB, "welcome")]);

    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const emitter = new Emitter<ServerToClientEvents>(pool);
    const payload = { occurrenceId: "0b6c8a34-58f5-4b36-9d52-6f62a2f2a0a1", planning: 3 };
    const gotA = waitFor(onA, "dropin:attendance");
    const gotB = waitFor(onB, "dropin:attendance");
    // The adapter subscribes asynchronously after start; publish until heard.
    const timer = setInterval(() => emitter.to("public").emit("dropin:attendance", payload), 200);
    try {
      expect(await gotA).toEqual(payload);
      expect(await gotB).toEqual(payload);
    } finally {
      clearInterval(timer);
      await pool.end();
    }
  });

  it("fans out a broadcast made on one node to clients of another", async () => {
    const a = await node("fan-a");
    const b = await node("fan-b");
    const onA = client(a.url);
    sockets.push(onA);
    await waitFor(onA, "welcome");
    const got = waitFor(onA, "dropin:attendance");
    const payload = { occurrenceId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90", planning: 1 };
    const timer = setInterval(() => b.server.io.to("public").emit("dropin:attendance", payload), 200);
    try {
      expect(await got).toEqual(payload);
    } finally {
      clearInterval(timer);
    }
  });
});
