import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, launch, removeDir, tempDir } from "../support/app.js";

const dataDir = tempDir("config");
afterAll(() => removeDir(dataDir));

async function fails(env: Record<string, string>) {
  const run = launch({ DATA_DIR: dataDir, ...env });
  const code = await run.exited;
  return { code, output: run.output() };
}

describe("start-up configuration and failures", () => {
  it("PORT=abc exits non-zero naming PORT", async () => {
    const r = await fails({ PORT: "abc" });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("PORT: PORT must be a whole number between 0 and 65535");
  });

  it("a malformed DATABASE_URL exits non-zero naming DATABASE_URL", async () => {
    const r = await fails({ DATABASE_URL: "postgres//oops" });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("DATABASE_URL: DATABASE_URL must be a connection URL");
  });

  it("LIVEKIT_SERVER_BIN pointing at nothing is named, and nothing is started", async () => {
    const r = await fails({ LIVEKIT_SERVER_BIN: "/nowhere/livekit-server", HOST: "127.0.0.1" });
    expect(r.code).toBe(1);
    expect(r.output).toContain("LIVEKIT_SERVER_BIN is /nowhere/livekit-server, but there is no executable file there");
    expect(r.output).toContain("npm run livekit:build");
    expect(r.output).not.toContain("embedded PostgreSQL");
  });

  it("a port in use is named", async () => {
    const server = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const r = await fails({ PORT: String(port), HOST: "127.0.0.1" });
      expect(r.code).toBe(1);
      expect(r.output).toContain(`PORT ${port} is already in use`);
    } finally {
      server.close();
    }
  });

  it("an unwritable data directory gets a clear message", async () => {
    // A path below a regular file can never be created, even by root.
    const r = await fails({
      DATA_DIR: "/etc/hostname/offshift-data",
      PORT: String(await freePort()),
      REALTIME_PORT: String(await freePort()),
    });
    expect(r.code).toBe(1);
    expect(r.output).toContain('DATA_DIR "/etc/hostname/offshift-data" is not writable');
  });

  it("an unreachable database is retried with backoff, reported sparingly, then given up on clearly", async () => {
    const closed = await freePort();
    const started = Date.now();
    const r = await fails({
      DATABASE_URL: `postgresql://offshift:secret@127.0.0.1:${closed}/offshift`,
      DB_CONNECT_TIMEOUT_MS: "4000",
      PORT: String(await freePort()),
      REALTIME_PORT: String(await freePort()),
    });
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
    expect(r.output).toContain(
      `Could not reach the database at postgresql://offshift:****@127.0.0.1:${closed}/offshift`,
    );
    expect(r.output).not.toContain("secret");
    // One waiting line, not one per attempt.
    expect(r.output.match(/Waiting for PostgreSQL/g)?.length).toBe(1);
  });
});
