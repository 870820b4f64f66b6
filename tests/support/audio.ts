import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from "playwright-core";
import type { AudioHarness, JoinResult } from "./audio-harness.js";
import type { MeshSignal } from "../../apps/web/src/lib/audio/mesh.js";
import type { AudioSnapshot, JoinOptions, PeerAudioStats } from "../../apps/web/src/lib/audio/transport.js";

/**
 * A speech-like WAV for Chromium's fake microphone (16-bit PCM, 48 kHz, mono):
 * "syllables" of a gliding voiced tone with harmonics, grouped into phrases
 * separated by pauses. Made in Node so no espeak-ng/sox is needed; varying
 * pitch and gaps keep WebRTC's noise suppression from treating it as noise.
 */
export function writeSpeechWav(path: string, seconds = 6): void {
  const rate = 48_000;
  const samples = Math.round(seconds * rate);
  const pcm = Buffer.alloc(samples * 2);
  const syllable = 0.22;
  const phrase = [1, 1, 1, 1, 0, 1, 1, 1, 0, 0]; // 1 = voiced syllable, 0 = pause
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const slot = Math.floor(t / syllable);
    const within = (t % syllable) / syllable;
    const voiced = phrase[slot % phrase.length] === 1;
    const pitch = 140 + 60 * Math.sin(slot * 1.7) + 40 * within; // glides like intonation
    phase += (2 * Math.PI * pitch) / rate;
    const envelope = voiced ? Math.sin(Math.PI * within) ** 2 : 0;
    const voice = Math.sin(phase) + 0.6 * Math.sin(2 * phase) + 0.35 * Math.sin(3 * phase) + 0.2 * Math.sin(5 * phase);
    const value = Math.max(-1, Math.min(1, 0.3 * envelope * voice));
    pcm.writeInt16LE(Math.round(value * 32_767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  writeFileSync(path, Buffer.concat([header, pcm]));
}

/**
 * Bundles a harness (with the real transport it imports) for the browser, at
 * test time: `audio-harness.ts` (mesh) or `audio-livekit-harness.ts`.
 */
export async function bundleAudioHarness(entry = "audio-harness.ts"): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./${entry}`, import.meta.url))],
    bundle: true,
    format: "iife",
    target: "chrome120",
    write: false,
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output");
  return file.text;
}

export interface AudioPageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the harness on http://localhost (a secure context, so getUserMedia works). */
export async function startAudioPageServer(
  script: string,
  scripts: Record<string, string> = {},
): Promise<AudioPageServer> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>audio</title></head>
<body><script src="/audio.js"></script></body></html>`;
  const server: Server = createServer((request, response) => {
    if (request.url === "/audio.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else if (request.url === "/") {
      response.writeHead(200, { "content-type": "text/html" }).end(html);
    } else if (request.url?.endsWith(".js") && request.url.slice(1, -3) in scripts) {
      response.writeHead(200, { "content-type": "text/javascript" }).end(scripts[request.url.slice(1, -3)]);
    } else if (request.url && request.url.slice(1) in scripts) {
      const page = html.replace("/audio.js", `${request.url}.js`);
      response.writeHead(200, { "content-type": "text/html" }).end(page);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const audioArgs = (wavPath: string) => [
  // The usual flags (see browser.ts) ...
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // ... and fake media: no prompt, a fake microphone fed from the file, host candidates
  // as plain IPs (mDNS names do not resolve here), playback without a gesture.
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  `--use-file-for-fake-audio-capture=${wavPath}`,
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--autoplay-policy=no-user-gesture-required",
];

/** Chromium with fake media devices whose microphone plays `wavPath` in a loop. */
export async function launchAudioBrowser(wavPath: string): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: audioArgs(wavPath) });
  // The transports' own warnings ("audio: signalling with … failed") go to the test output:
  // when audio does not arrive, they say why.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(RTC_TRACE);
    context.on("page", (page) =>
      page.on("console", (message) => {
        const serious = message.type() === "warning" || message.type() === "error";
        if (serious && /^audio:|livekit/i.test(message.text()))
          console.warn(`[browser ${message.type()}] ${message.text()}`);
      }),
    );
    return context;
  };
  return browser;
}

/**
 * Test-side tracing of every RTCPeerConnection a page makes (the app's code is
 * untouched): the negotiation calls and state changes, for audioReport.
 */
const RTC_TRACE = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const traces = (window.__rtcTrace = []);
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      const trace = { pc: this, events: [] };
      traces.push(trace);
      const t0 = performance.now();
      const log = (e) => trace.events.length < 400 && trace.events.push(Math.round(performance.now() - t0) + " " + e);
      for (const name of ["setLocalDescription", "setRemoteDescription", "addIceCandidate"]) {
        const original = this[name].bind(this);
        this[name] = (...a) => {
          const what = a[0] ? (a[0].type ?? (a[0].candidate !== undefined ? "candidate " + (a[0].candidate || "end").split(" ")[4] : "")) : "implicit";
          log(name + "(" + what + ")");
          return original(...a).then(
            (r) => (log(name + " ok"), r),
            (e) => {
              log(name + " FAILED " + e.message);
              throw e;
            },
          );
        };
      }
      this.addEventListener("negotiationneeded", () => log("negotiationneeded"));
      this.addEventListener("signalingstatechange", () => log("signaling " + this.signalingState));
      this.addEventListener("iceconnectionstatechange", () => log("ice " + this.iceConnectionState));
      this.addEventListener("icegatheringstatechange", () => log("gathering " + this.iceGatheringState));
      this.addEventListener("connectionstatechange", () => log("connection " + this.connectionState));
      this.addEventListener("icecandidate", (e) => log("local candidate " + (e.candidate ? e.candidate.address : "end")));
      this.addEventListener("track", () => log("track"));
      const close = this.close.bind(this);
      this.close = () => (log("close"), close());
    }
  };
})();`;

/**
 * What a page's audio looks like from inside (the app's client on window.offshiftRoom or
 * window.offshiftCall): the transport's snapshot, inbound statistics, and each <audio>
 * element. Printed when a test waiting for audio gives up.
 */
export function audioReport(page: Page): Promise<unknown> {
  return page
    .evaluate(async () => {
      const w = window as unknown as Record<string, { audio?: unknown; stats?: () => Promise<unknown> } | undefined>;
      const client = w.offshiftRoom ?? w.offshiftCall;
      return {
        url: location.pathname,
        transport: client?.audio ?? null,
        stats: (await client?.stats?.()) ?? null,
        peerConnections: (
          (window as unknown as { __rtcTrace?: { pc: RTCPeerConnection; events: string[] }[] }).__rtcTrace ?? []
        ).map((t) => ({ connection: t.pc.connectionState, events: t.events })),
        elements: [...document.querySelectorAll("audio")].map((a) => ({
          peer: a.dataset.audioPeer,
          paused: a.paused,
          readyState: a.readyState,
          tracks: (a.srcObject as MediaStream | null)
            ?.getTracks()
            .map((t) => ({ state: t.readyState, muted: t.muted, enabled: t.enabled })),
        })),
      };
    })
    .catch((error: unknown) => ({ unavailable: String(error) }));
}

/** Runs `wait`; if it fails, prints every page's audioReport first. */
export async function reportingAudio<T>(pages: Record<string, Page>, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    for (const [name, page] of Object.entries(pages))
      console.error(`[audio report: ${name}]`, JSON.stringify(await audioReport(page), null, 2));
    throw error;
  }
}

/** One participant: a page in its own browser context running the harness. */
export class AudioParticipantPage {
  constructor(
    readonly id: string,
    readonly page: Page,
  ) {}

  join(options: JoinOptions): Promise<JoinResult> {
    return this.page.evaluate((o) => window.audioHarness.join(o), options);
  }
  leave(): Promise<void> {
    return this.page.evaluate(() => window.audioHarness.leave());
  }
  setPeers(peers: string[]): Promise<void> {
    return this.page.evaluate((p) => window.audioHarness.setPeers(p), peers);
  }
  holdMicrophone(): Promise<void> {
    return this.page.evaluate(() => window.audioHarness.holdMicrophone());
  }
  releaseMicrophone(): Promise<void> {
    return this.page.evaluate(() => window.audioHarness.releaseMicrophone());
  }
  setMuted(muted: boolean): Promise<void> {
    return this.page.evaluate((m) => window.audioHarness.setMuted(m), muted);
  }
  blockPeer(id: string): Promise<void> {
    return this.page.evaluate((p) => window.audioHarness.blockPeer(p), id);
  }
  unblockPeer(id: string): Promise<void> {
    return this.page.evaluate((p) => window.audioHarness.unblockPeer(p), id);
  }
  snapshot(): Promise<AudioSnapshot> {
    return this.page.evaluate(() => window.audioHarness.snapshot());
  }
  history(): Promise<AudioSnapshot[]> {
    return this.page.evaluate(() => window.audioHarness.history());
  }
  signalsDelivered(): Promise<number> {
    return this.page.evaluate(() => window.audioHarness.signalsDelivered());
  }
  getUserMediaCalls(): Promise<number> {
    return this.page.evaluate(() => window.audioHarness.getUserMediaCalls());
  }
  audioElements(): Promise<string[]> {
    return this.page.evaluate(() => window.audioHarness.audioElements());
  }
  /** Inbound audio from `peerId` (zeros when there is no link to them). */
  async statsFrom(peerId: string): Promise<PeerAudioStats> {
    const all = await this.page.evaluate(() => window.audioHarness.stats());
    return (
      all.find((s) => s.peerId === peerId) ?? {
        peerId,
        bytesReceived: 0,
        packetsReceived: 0,
        totalAudioEnergy: 0,
        totalSamplesDuration: 0,
        audioLevel: 0,
      }
    );
  }
}

/**
 * The in-test signaller: what Socket.IO does in the app. Signals from one
 * page are delivered to the addressed page in the order they were sent.
 */
export class AudioRelay {
  readonly #participants = new Map<string, { page: Page; queue: Promise<void> }>();
  /** Signals sent, by kind (and descriptions by type and direction, "offer:A->B"), for the report. */
  readonly counts = new Map<string, number>();

  constructor(
    readonly browser: Browser,
    readonly url: string,
  ) {}

  async open(id: string, peers: string[]): Promise<AudioParticipantPage> {
    const context = await this.browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`[${id}] ${error.message}`));
    await page.exposeFunction("__audioSend", (to: string, signal: MeshSignal) => this.#relay(id, to, signal));
    await page.goto(this.url);
    await page.evaluate(([self, others]) => (window.audioHarness as AudioHarness).setup(self, others), [
      id,
      peers,
    ] as const);
    this.#participants.set(id, { page, queue: Promise.resolve() });
    return new AudioParticipantPage(id, page);
  }

  #relay(from: string, to: string, signal: MeshSignal): void {
    this.counts.set(signal.kind, (this.counts.get(signal.kind) ?? 0) + 1);
    if (signal.kind === "description") {
      const key = `${signal.description.type}:${from}->${to}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    const target = this.#participants.get(to);
    if (!target) return; // like a server relaying to someone who is not in the room
    target.queue = target.queue
      .then(() => target.page.evaluate(([f, s]) => window.audioHarness.deliver(f, s), [from, signal] as const))
      .catch(() => undefined); // the page may have closed
  }
}

/**
 * A phone in a pocket: Chromium with the fake microphone, whose pages can really
 * be hidden and really lose their network.
 *
 * - Hidden: Playwright keeps every page it launches "focused" (DevTools focus
 *   emulation), and such a page stays visible whatever covers it. This browser is
 *   started here and attached with `noDefaults`, so its own context has no focus
 *   emulation and no backgrounding switches turned off: a page covered by another
 *   tab turns `hidden` and is throttled as a locked phone's page is.
 * - Offline: `lose()` cuts HTTP, WebSockets, the service worker and WebRTC's
 *   own UDP (Chromium's global rule applies to peer-to-peer sockets too, but only
 *   to those opened while a rule is in force: `watch(page)` puts a harmless one
 *   in place before the page opens any; ICE over TCP is not cut, so a test gives
 *   its media server UDP only), and, unless `noticed: false` (a signal that just
 *   fades), tells the page it is offline.
 */
export interface PocketBrowser {
  context: BrowserContext;
  /** A page whose network `lose()` and `restore()` control (call before it loads anything). */
  watch(page: Page): Promise<void>;
  /** Another tab in front of `page`: what a locked screen does to it. Returns a function that brings it back. */
  cover(page: Page): Promise<() => Promise<void>>;
  lose(page: Page, options?: { noticed: boolean }): Promise<void>;
  restore(page: Page): Promise<void>;
  close(): Promise<void>;
}

const ONLINE = { urlPattern: "", latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

export async function launchPocketBrowser(wavPath: string): Promise<PocketBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), "offshift-pocket-chromium-"));
  const child = spawn(
    CHROMIUM,
    [...audioArgs(wavPath), "--headless", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank"],
    // Its own process group: closing takes its renderers and helpers too, before the profile goes.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start within 30 s:\n${output}`)), 30_000);
    child.stderr!.on("data", (d: Buffer) => {
      output += d.toString();
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`Chromium exited (${code}) during start-up:\n${output}`)));
  });
  child.stderr!.resume();
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
  const context = browser.contexts()[0]!;
  const sessions = new Map<Page, CDPSession>();
  const session = async (page: Page) => {
    let s = sessions.get(page);
    if (!s) {
      s = await context.newCDPSession(page);
      await s.send("Network.enable");
      sessions.set(page, s);
    }
    return s;
  };
  const network = async (page: Page, offline: boolean, noticed = true) => {
    const s = await session(page);
    await s.send("Network.emulateNetworkConditionsByRule", {
      emulateOfflineServiceWorker: offline,
      // Offline drops every request and, with all packets lost, every WebRTC packet both ways.
      matchedNetworkConditions: [offline ? { ...ONLINE, offline: true, packetLoss: 100 } : ONLINE],
    });
    await s.send("Network.overrideNetworkState", {
      offline: offline && noticed,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  };
  return {
    context,
    watch: (page) => network(page, false),
    async cover(page) {
      const front = await context.newPage();
      await front.bringToFront();
      return async () => {
        await page.bringToFront();
        await front.close();
      };
    },
    lose: (page, options) => network(page, true, options?.noticed ?? true),
    restore: (page) => network(page, false),
    async close() {
      await browser.close().catch(() => undefined);
      const exited = child.exitCode === null ? new Promise((resolve) => child.once("exit", resolve)) : null;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
