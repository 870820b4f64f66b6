import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { descendants, removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser } from "../support/browser.js";

// Fault: the embedded PostgreSQL is killed (SIGKILL) mid-use. Web and realtime
// stay up and say the database is down, the launcher starts PostgreSQL again,
// pages work again within 15 s, and what was acknowledged before is still there.
const dataDir = tempDir("dbrestart");
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  app = await startApp({ DATA_DIR: dataDir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  removeDir(dataDir);
});

/** The PostgreSQL postmaster below the launcher (the process whose command line is `postgres -D …`). */
function postmaster(): number {
  for (const pid of descendants(app.process.pid!)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("/postgres") && cmd.includes("-D")) return pid;
    } catch {
      // ended while we looked
    }
  }
  throw new Error("no postgres process found below the launcher");
}

/**
 * Connections to the embedded server over its Unix socket (client_port -1 in pg_stat_activity): web's and
 * realtime's. Asked over TCP with the launcher's password, as a tool would.
 */
async function socketConnections(): Promise<number> {
  const port = /embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(app.output())?.[1];
  if (!port) throw new Error(`the launcher did not say where PostgreSQL is:\n${app.output()}`);
  const password = readFileSync(path.join(dataDir, "pg-password"), "utf8").trim();
  const client = new pg.Client({
    host: "127.0.0.1",
    port: Number(port),
    user: "postgres",
    password,
    database: "offshift",
  });
  await client.connect();
  try {
    // (The launcher's own short "does it answer" checks use TCP, as tools do.)
    const { rows } = await client.query<{ unix: string }>(
      `SELECT count(*) AS unix FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND datname = 'offshift' AND client_port = -1`,
    );
    return Number(rows[0]!.unix);
  } finally {
    await client.end();
  }
}

const status = async (url: string) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
};

describe("the embedded PostgreSQL is killed mid-use", () => {
  it("web and realtime stay up and not ready, the launcher restarts it, and nothing acknowledged is lost", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/join`);
    await page.getByLabel("Nickname").fill("Still Here");
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${app.url}/`);
    expect(await page.getByTestId("guest-as").textContent()).toBe("Still Here");
    expect(await status(`${app.url}/readyz`)).toBe(200);
    expect(await status(`${app.realtimeUrl}/readyz`)).toBe(200);
    // Web and realtime talk to the embedded server through its Unix socket (cheaper per statement than TCP).
    await expect.poll(socketConnections, { timeout: 10_000, interval: 250 }).toBeGreaterThanOrEqual(2);

    const first = postmaster();
    const killedAt = Date.now();
    process.kill(first, "SIGKILL");

    // Both apps notice, and stay up (liveness) while not ready.
    const seen = { web: false, realtime: false };
    await expect
      .poll(
        async () => {
          if ((await status(`${app.url}/readyz`)) === 503) seen.web = true;
          if ((await status(`${app.realtimeUrl}/readyz`)) === 503) seen.realtime = true;
          expect(await status(`${app.url}/healthz`)).toBe(200);
          return seen.web && seen.realtime;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);

    // Back within 15 s of the kill: a new postmaster, both ready, pages served.
    await expect
      .poll(
        async () =>
          (await status(`${app.url}/readyz`)) === 200 &&
          (await status(`${app.realtimeUrl}/readyz`)) === 200 &&
          (await status(`${app.url}/`)) === 200,
        { timeout: 15_000 - (Date.now() - killedAt), interval: 250 },
      )
      .toBe(true);
    expect(postmaster()).not.toBe(first);
    expect(app.output()).toContain("PostgreSQL stopped answering");
    expect(app.process.exitCode).toBeNull();

    // The guest saved before the kill is still there.
    await page.reload();
    expect(await page.getByTestId("guest-as").textContent()).toBe("Still Here");
    // The restarted server has its socket again (a killed server leaves its old one behind), and the apps use it.
    await expect.poll(socketConnections, { timeout: 10_000, interval: 250 }).toBeGreaterThanOrEqual(2);
  });
});
