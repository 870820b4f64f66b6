import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { eventually, startNode } from "./test-helpers.js";
import type { RealtimeServer } from "./server.js";

// A database of its own, because this test stops and restarts it.
const dir = mkdtempSync(path.join(tmpdir(), "offshift-readyz-"));
let pgHandle: EmbeddedPostgresHandle | undefined;
let server: RealtimeServer | undefined;

afterAll(async () => {
  await server?.close();
  await pgHandle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("/readyz follows the database", () => {
  it("reports not ready while PostgreSQL is down and ready again after it returns, without a restart", async () => {
    pgHandle = await startEmbeddedPostgres({ dataDir: dir, port: 0, database: "offshift" });
    const port = pgHandle.port;
    const node = await startNode(pgHandle.url, "readyz");
    server = node.server;
    const readyz = async () => {
      const res = await fetch(`${node.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { status: string; database: string } };
    };
    expect((await readyz()).status).toBe(200);

    await pgHandle.stop();
    const down = await eventually(readyz, (r) => r.status === 503);
    expect(down.body).toMatchObject({ status: "not_ready", database: "down" });
    // Still alive: liveness is independent of the database.
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);

    pgHandle = await startEmbeddedPostgres({ dataDir: dir, port, database: "offshift" });
    const up = await eventually(readyz, (r) => r.status === 200);
    expect(up.body).toMatchObject({ status: "ready", database: "up" });
  });
});
