// Tonight on a phone on slow data: starts the built app exactly as `npm start`
// does (embedded PostgreSQL, demo data), then measures
//   - what the first visit downloads (HTML, scripts, styles; bytes on the wire),
//   - how long Chromium takes to show the first session card and to finish
//     loading on an emulated slow mobile link (400 kbit/s down, 400 ms RTT),
//   - the same with a warm cache (a worker opening it again later tonight).
// Needs `npm run build` first (or `npm start` once) and /usr/bin/chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const title = "Tonight page on slow mobile data (400 kbit/s, 400 ms RTT)";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SLOW = { offline: false, latency: 400, downloadThroughput: (400 * 1024) / 8, uploadThroughput: (400 * 1024) / 8 };

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startApp() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "offshift-bench-"));
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

export async function run() {
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
