import { networkInterfaces } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, launch, removeDir, startApp, tempDir } from "../support/app.js";

/**
 * The one-machine default must not hand the service to the network: it listens
 * on loopback unless HOST says otherwise, and the development mailbox (which
 * holds sign-in links) is shown only to a browser on this machine.
 */
const dataDirs: string[] = [];
/** A data directory of its own for each start (a stopping database may still hold the last one). */
const dataDir = () => (dataDirs.push(tempDir("posture")), dataDirs.at(-1)!);
afterAll(() => dataDirs.forEach(removeDir));

/** An address of this machine that is not loopback: how another machine on the network would reach it. */
function networkAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal);
  if (!found) throw new Error("this test needs a network interface other than loopback");
  return found.address;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

describe("the default install keeps to this machine", () => {
  it("with no HOST, web and realtime answer on loopback and not on the network address", async () => {
    const port = await freePort();
    let realtimePort = await freePort();
    while (realtimePort === port) realtimePort = await freePort();
    const run = launch({ DATA_DIR: dataDir(), PORT: String(port), REALTIME_PORT: String(realtimePort) });
    try {
      const deadline = Date.now() + 90_000;
      while (!run.output().includes("Offshift is running at")) {
        if (run.process.exitCode !== null) throw new Error(`the app exited during start-up:\n${run.output()}`);
        if (Date.now() > deadline) throw new Error(`the app did not start within 90 s:\n${run.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lan = networkAddress();
      expect(await reachable(`http://127.0.0.1:${port}/healthz`)).toBe(true);
      expect(await reachable(`http://127.0.0.1:${realtimePort}/healthz`)).toBe(true);
      expect(await reachable(`http://${lan}:${port}/healthz`)).toBe(false);
      expect(await reachable(`http://${lan}:${realtimePort}/healthz`)).toBe(false);
    } finally {
      if (run.process.exitCode === null) run.process.kill("SIGTERM");
      await run.exited;
    }
  });

  it("listening on every interface, the development mailbox is shown to this machine only, whatever the headers say", async () => {
    const app = await startApp({ DATA_DIR: dataDir(), HOST: "0.0.0.0" });
    try {
      const port = new URL(app.url).port;
      const lan = networkAddress();
      expect((await fetch(`http://127.0.0.1:${port}/dev/mailbox`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/dev/mailbox/__data.json`)).text()).toContain('"mail"');
      const spoofed = { "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1", forwarded: "for=127.0.0.1" };
      expect((await fetch(`http://${lan}:${port}/dev/mailbox`, { headers: spoofed })).status).toBe(404);
      // The page's data on its own: SvelteKit answers 200 with the error inside, and no mail.
      const data = await (await fetch(`http://${lan}:${port}/dev/mailbox/__data.json`, { headers: spoofed })).text();
      expect(data).toContain("404");
      expect(data).not.toContain('"mail"');
      // The rest of the service is there for the network when HOST asks for it.
      expect((await fetch(`http://${lan}:${port}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("with SMTP_URL set there is no development mailbox at all, even for this machine", async () => {
    const app = await startApp({ DATA_DIR: dataDir(), SMTP_URL: "smtp://127.0.0.1:2525" });
    try {
      expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(404);
    } finally {
      await app.stop();
    }
  });
});
