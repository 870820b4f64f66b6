// Tonight on a phone on slow data: starts the built app exactly as `npm start`
// does (embedded PostgreSQL, demo data), then measures
//   - what the first visit downloads (HTML, scripts, styles; bytes on the wire),
//   - how long Chromium takes to show the first session card and to finish
//     loading on an emulated slow mobile link (400 kbit/s down, 400 ms RTT),
//   - the same with a warm cache (a worker opening it again later tonight),
//   - "tap Join to in the room" for a returning worker (a nickname, and a room
//     joined once before) on Slow 3G (Chrome's preset: 2 s RTT, 400 kbit/s), a
//     360 px phone, from Tonight loaded to joined (listening) in the room: one tap,
//     one page. The clock is pinned to 21:55 (a test clock), so a lobby is open.
// Needs `npm run build` first (or `npm start` once) and /usr/bin/chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const title = "Tonight page on slow mobile data (400 kbit/s, 400 ms RTT)";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Chrome DevTools' "Slow 3G" (as Puppeteer defines it): 2,000 ms latency, 400 kbit/s each way.
const SLOW_3G = {
  offline: false,
  latency: 2000,
  downloadThroughput: (500 * 1000 * 0.8) / 8,
  uploadThroughput: (500 * 1000 * 0.8) / 8,
};
const SLOW = { offline: false, latency: 400, downloadThroughput: (400 * 1024) / 8, uploadThroughput: (400 * 1024) / 8 };

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** The built app as `npm start` starts it, on free ports with its own data folder (bench/web uses it too). */
export async function startApp(extraEnv = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "offshift-bench-"));
  const env = typeof extraEnv === "function" ? extraEnv(dataDir) : extraEnv;
  const port = await freePort();
  let realtimePort = await freePort();
  while (realtimePort === port) realtimePort = await freePort();
  const child = spawn(process.execPath, [path.join(root, "scripts/start.mjs"), "--no-build"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      REALTIME_PORT: String(realtimePort),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 120_000;
  while (!out.includes("Offshift is running at")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not start (did you run npm run build?):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://localhost:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function visit(context, url) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", SLOW);
  let bytes = 0;
  const requests = new Set();
  cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!e.request.url.startsWith("ws")) requests.add(e.request.url);
  });
  const started = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator("[data-testid=session-card]").first().waitFor();
  const firstCard = performance.now() - started;
  await page.waitForLoadState("load");
  const loaded = performance.now() - started;
  // Hydrated: the live connection indicator is driven by script.
  await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor({ timeout: 60_000 });
  const interactive = performance.now() - started;
  await page.close();
  return { bytes, requests: requests.size, firstCard, loaded, interactive };
}

/** 21:55 London, a week from today: "Lone working at night" (every night, 22:00) has its lobby open. */
function lobbyOpenClock() {
  const now = new Date(Date.now() + 7 * 86_400_000);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(now); // YYYY-MM-DD
  for (const offset of ["Z", "+01:00"]) {
    const t = new Date(`${day}T21:55:00${offset}`);
    const wall = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      hour: "2-digit",
      minute: "2-digit",
    }).format(t);
    if (wall === "21:55") return t;
  }
  throw new Error("could not place 21:55 in London");
}

/** A returning worker on Slow 3G: from Tonight (loaded, live) to in the room, listening, after one tap on Join. */
async function tapJoinToInRoom(browser, url) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const page = await context.newPage();
  const join = () =>
    page.locator("[data-testid=session-card]").filter({ hasText: "Lone working at night" }).first().getByTestId("join");
  // Not measured: a nickname, and one earlier join (so they have read what joining means).
  await page.goto(`${url}/join`);
  await page.getByLabel("Nickname").fill("Night Owl");
  await page.getByLabel(/I agree to the group agreement/).check();
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForURL(`${url}/`);
  await join().click();
  await page.getByTestId("join-listen").click();
  await page.getByTestId("leave").waitFor();
  await page.getByTestId("leave").click();
  await page.getByTestId("room-outcome").waitFor();
  // Measured, on Slow 3G.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
  let bytes = 0;
  await page.goto(url);
  await page.getByTestId("connection-status").filter({ hasText: "Live" }).waitFor({ timeout: 120_000 });
  cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
  const started = performance.now();
  await join().click();
  await page.getByTestId("joined-listening").waitFor({ timeout: 120_000 });
  const took = performance.now() - started;
  await context.close();
  return { took, bytes };
}

async function runTonight() {
  const app = await startApp();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const cold = await visit(context, app.url);
    const warm = await visit(context, app.url);
    const kb = (b) => Math.round(b / 102.4) / 10;
    const ms = (t) => Math.round(t);
    return [
      { name: "first visit: bytes on the wire", value: kb(cold.bytes), unit: "KiB" },
      { name: "first visit: requests", value: cold.requests, unit: "count" },
      { name: "first visit: first session card visible", value: ms(cold.firstCard), unit: "ms" },
      { name: "first visit: page loaded", value: ms(cold.loaded), unit: "ms" },
      { name: "first visit: interactive (live connection up)", value: ms(cold.interactive), unit: "ms" },
      { name: "repeat visit: bytes on the wire", value: kb(warm.bytes), unit: "KiB" },
      { name: "repeat visit: first session card visible", value: ms(warm.firstCard), unit: "ms" },
    ];
  } finally {
    await browser.close();
    await app.stop();
  }
}

async function runJoin() {
  const app = await startApp((dataDir) => {
    const clockFile = path.join(dataDir, "now.txt");
    writeFileSync(clockFile, lobbyOpenClock().toISOString());
    return { NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile };
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"],
  });
  try {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await tapJoinToInRoom(browser, app.url));
    const median = runs.map((r) => r.took).sort((a, b) => a - b)[1];
    return [
      {
        name: "Slow 3G, returning worker: tap Join to in the room (median of 3)",
        value: Math.round(median),
        unit: "ms",
      },
      {
        name: "Slow 3G, returning worker: bytes from the tap to in the room",
        value: Math.round(runs[1].bytes / 102.4) / 10,
        unit: "KiB",
      },
    ];
  } finally {
    await browser.close();
    await app.stop();
  }
}

export async function run() {
  return [...(await runTonight()), ...(await runJoin())];
}
