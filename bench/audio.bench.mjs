// Audio: how fast a worker hears the room after tapping Join, and what the
// LiveKit server costs per participant. Loopback only; bounded in time and count.
//
// 1. Tap-to-hear (Chromium, the built app): a guest already in the drop-in
//    speaks (fake microphone playing speech); another guest taps "Join and
//    talk"; the time until that page's first inbound audio energy from anyone,
//    measured inside the page (a click, then getStats every 20 ms). Through the
//    mesh, then through a real LiveKit server. ROUNDS rounds each (leave, reload,
//    tap again); median and worst. Target: under 1.5 s.
// 2. A LiveKit room of 12 and one of 50 server-side participants
//    (@livekit/rtc-node in helper processes of 10, audio-participants.mjs;
//    tokens minted here): SPEAKERS of them publish a tone,
//    the rest are muted listeners (a muted microphone sends nothing), and
//    everyone subscribes to every speaker: a drop-in where a few talk at once.
//    (Everyone subscribing to 49 live tracks would measure this machine's 50
//    simulated clients, not the server: 2,450 decoders on 2 cores.) Over a
//    MEASURE_MS window, the livekit-server process's CPU (utime+stime from
//    /proc/<pid>/stat) and its memory growth (VmRSS from /proc/<pid>/status),
//    per participant.
// Needs `npm run build` and a livekit-server binary (`npm run livekit:build`);
// without the binary only the mesh is measured. Takes ~2-3 minutes.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AccessToken } from "livekit-server-sdk";
import { instantFromWallTime, wallTimeAt } from "@offshift/core";
import { findLiveKitServer, freePort, prepareLiveKitServer } from "@offshift/launcher";

export const title = "Audio: tap Join to first sound heard (mesh vs LiveKit); LiveKit server cost per participant";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const ROUNDS = Number(process.env.AUDIO_BENCH_ROUNDS ?? 5);
const ROOM_SIZES = [12, 50];
const SPEAKERS = 3;
const WARMUP_MS = 5000;
const MEASURE_MS = 10_000;
const TICK = 100; // clock ticks per second (Linux USER_HZ)
const log = (msg) => console.log(`    ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A speech-like WAV for Chromium's fake microphone (as tests/support/audio.ts writes it). */
function writeSpeechWav(file, seconds = 6) {
  const rate = 48_000;
  const samples = Math.round(seconds * rate);
  const pcm = Buffer.alloc(samples * 2);
  const phrase = [1, 1, 1, 1, 0, 1, 1, 1, 0, 0];
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const slot = Math.floor(t / 0.22);
    const within = (t % 0.22) / 0.22;
    const pitch = 140 + 60 * Math.sin(slot * 1.7) + 40 * within;
    phase += (2 * Math.PI * pitch) / rate;
    const envelope = phrase[slot % phrase.length] ? Math.sin(Math.PI * within) ** 2 : 0;
    const voice = Math.sin(phase) + 0.6 * Math.sin(2 * phase) + 0.35 * Math.sin(3 * phase);
    pcm.writeInt16LE(Math.round(Math.max(-1, Math.min(1, 0.3 * envelope * voice)) * 32_767), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write("WAVEfmt ", 8, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(pcm.length, 40);
  writeFileSync(file, Buffer.concat([h, pcm]));
}

async function startApp(dir, port, realtimePort, extraEnv) {
  // 21:55 tonight in the app's clock: the 22:00 drop-in's lobby is open.
  const today = wallTimeAt(new Date(), "Europe/London");
  const clockFile = path.join(dir, "now.txt");
  writeFileSync(
    clockFile,
    instantFromWallTime({ ...today, hour: 21, minute: 55, second: 0 }, "Europe/London").toISOString(),
  );
  const child = spawn(process.execPath, [path.join(root, "scripts/start.mjs"), "--no-build"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      REALTIME_PORT: String(realtimePort),
      HOST: "127.0.0.1",
      DATA_DIR: path.join(dir, "data"),
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      OFFSHIFT_TEST_CLOCK_FILE: clockFile,
      ...extraEnv,
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
    await sleep(100);
  }
  return {
    url: `http://localhost:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function guestPage(browser, roomUrl, nickname) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(roomUrl);
  await page.waitForURL(/\/join/);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByLabel(/I agree to the group agreement/).check();
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForURL(roomUrl);
  await page.getByTestId("join-talk").waitFor();
  await page.waitForFunction(
    () => !globalThis.document.querySelector("[data-testid=join-talk]")?.hasAttribute("disabled"),
  );
  return page;
}

/** Taps Join (inside the page) and returns ms until the first inbound audio energy. */
function tapToHear(page) {
  return page.evaluate(async () => {
    const room = globalThis.offshiftRoom;
    const t0 = performance.now();
    globalThis.document.querySelector("[data-testid=join-talk]").click();
    while (performance.now() - t0 < 20_000) {
      const stats = await room.stats();
      if (stats.some((s) => s.totalAudioEnergy > 0)) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null; // nothing heard
  });
}

/** Tap-to-hear through one audio path: ROUNDS rounds, each a fresh join. */
async function tapToHearRounds(kind, bin) {
  const dir = mkdtempSync(path.join(tmpdir(), `offshift-bench-audio-${kind}-`));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as another user
  const wav = path.join(dir, "speech.wav");
  writeSpeechWav(wav);
  const port = await freePort();
  let realtimePort = await freePort();
  while (realtimePort === port) realtimePort = await freePort();
  let liveKit = null;
  const env = {};
  if (kind === "livekit") {
    liveKit = await prepareLiveKitServer({ bin, dir: path.join(dir, "livekit"), avoidPorts: [port, realtimePort] });
    liveKit.webhookUrls = [`http://127.0.0.1:${realtimePort}/livekit/webhook`];
    await liveKit.start();
    Object.assign(env, {
      LIVEKIT_URL: liveKit.url,
      LIVEKIT_API_KEY: liveKit.apiKey,
      LIVEKIT_API_SECRET: liveKit.apiSecret,
    });
  }
  const app = await startApp(dir, port, realtimePort, env);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--disable-features=WebRtcHideLocalIpsWithMdns",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const times = [];
  try {
    const tonight = await browser.newPage();
    await tonight.goto(app.url);
    const card = tonight.locator("[data-testid=session-card]").filter({ hasText: "Lone working at night" }).first();
    // By link, not from Tonight (whose Join would take a returning listener straight in).
    const roomUrl = new URL(await card.getByTestId("join").getAttribute("href"), tonight.url()).href.replace(
      /\?from=tonight$/,
      "",
    );
    await tonight.close();
    const speaker = await guestPage(browser, roomUrl, "Speaker");
    await speaker.getByTestId("join-talk").click();
    await speaker.getByTestId("mute").waitFor();
    const listener = await guestPage(browser, roomUrl, "Listener");
    for (let round = 0; round < ROUNDS; round++) {
      const ms = await tapToHear(listener);
      times.push(ms ?? Infinity);
      await listener.getByTestId("leave").click();
      await listener.getByTestId("room-outcome").waitFor();
      await listener.reload();
      await listener.getByTestId("join-talk").waitFor();
      await listener.waitForFunction(
        () => !globalThis.document.querySelector("[data-testid=join-talk]")?.hasAttribute("disabled"),
      );
    }
  } finally {
    await browser.close();
    await app.stop();
    await liveKit?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  log(`${kind}: ${times.map((t) => (Number.isFinite(t) ? Math.round(t) : "nothing in 20 s")).join(", ")} ms`);
  const heard = times.filter(Number.isFinite);
  return {
    median: heard.length ? Math.round(median(heard)) : 20_000,
    worst: heard.length ? Math.round(Math.max(...heard)) : 20_000,
    missed: times.length - heard.length,
  };
}

function liveKitPid() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "livekit-server") continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) return Number(entry);
    } catch {
      // ended while we looked
    }
  }
  return null;
}
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

const GROUP = 10; // participants per helper process
const GROUP_READY_MS = 60_000;

/** Starts a helper process holding `people`; resolves once they have all joined. */
async function participantGroup(url, people) {
  const child = spawn(process.execPath, [path.join(here, "audio-participants.mjs"), JSON.stringify({ url, people })], {
    cwd: here,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out = (out + d).slice(-5000)));
  const deadline = Date.now() + GROUP_READY_MS;
  while (!out.includes("ready")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`participants did not join:\n${out}`);
    }
    await sleep(100);
  }
  return {
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A room of `size` server-side participants on a fresh LiveKit server: its CPU and memory per participant. */
async function serverCost(bin, size) {
  const dir = mkdtempSync(path.join(tmpdir(), "offshift-bench-sfu-"));
  const liveKit = await prepareLiveKitServer({ bin, dir });
  await liveKit.start();
  const pid = liveKitPid();
  const people = [];
  const token = (identity) => {
    const t = new AccessToken(liveKit.apiKey, liveKit.apiSecret, { identity, ttl: 600 });
    t.addGrant({ room: "bench", roomJoin: true, canPublish: true, canSubscribe: true });
    return t.toJwt();
  };
  try {
    if (!pid) throw new Error("could not find the livekit-server process");
    await sleep(1000);
    const idleRss = rssKiB(pid);
    const everyone = [];
    for (let i = 0; i < size; i++) {
      const speaker = i < SPEAKERS;
      everyone.push({ token: await token(speaker ? `speaker-${i}` : `listener-${i}`), speaker, index: i });
    }
    // Speakers first (in the first group), then the listeners, a group at a time.
    for (let i = 0; i < size; i += GROUP)
      people.push(await participantGroup(liveKit.url, everyone.slice(i, i + GROUP)));
    await sleep(WARMUP_MS);
    const ticks0 = cpuTicks(pid);
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const cpu = (cpuTicks(pid) - ticks0) / TICK / ((performance.now() - t0) / 1000); // cores
    const rss = rssKiB(pid);
    const loadAvg = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
    log(
      `room of ${size} (${SPEAKERS} speaking): server ${(cpu * 100).toFixed(1)}% of a core, RSS ${idleRss} -> ${rss} KiB (load average ${loadAvg})`,
    );
    return { cpuPerParticipant: (cpu * 100) / size, kibPerParticipant: (rss - idleRss) / size };
  } finally {
    await Promise.all(people.map((p) => p.stop()));
    await liveKit.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const bin = findLiveKitServer();
  const results = [];
  const mesh = await tapToHearRounds("mesh", null);
  results.push(
    { name: "tap Join to first audio heard, mesh (median)", value: mesh.median, unit: "ms" },
    { name: "tap Join to first audio heard, mesh (worst)", value: mesh.worst, unit: "ms" },
    { name: `tap Join, mesh: rounds of ${ROUNDS} with nothing heard in 20 s`, value: mesh.missed, unit: "count" },
  );
  if (!bin) {
    log("no livekit-server binary: LiveKit not measured (npm run livekit:build)");
    return results;
  }
  const lk = await tapToHearRounds("livekit", bin);
  results.push(
    { name: "tap Join to first audio heard, LiveKit (median)", value: lk.median, unit: "ms" },
    { name: "tap Join to first audio heard, LiveKit (worst)", value: lk.worst, unit: "ms" },
    { name: `tap Join, LiveKit: rounds of ${ROUNDS} with nothing heard in 20 s`, value: lk.missed, unit: "count" },
  );
  for (const size of ROOM_SIZES) {
    const cost = await serverCost(bin, size);
    results.push(
      {
        name: `LiveKit room of ${size}: server CPU per participant`,
        value: +cost.cpuPerParticipant.toFixed(2),
        unit: "%core",
      },
      {
        name: `LiveKit room of ${size}: server memory per participant`,
        value: Math.round(cost.kibPerParticipant),
        unit: "KiB",
      },
    );
  }
  return results;
}
