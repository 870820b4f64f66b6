import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { AccessToken } from "livekit-server-sdk";
import { liveKitServerForTests, prepareTestLiveKit, type TestLiveKit } from "@offshift/db/testing";
import { removeDir, tempDir } from "../support/app.js";
import {
  AudioRelay,
  bundleAudioHarness,
  launchAudioBrowser,
  startAudioPageServer,
  writeSpeechWav,
  type AudioPageServer,
  type AudioParticipantPage,
} from "../support/audio.js";

// The real MeshTransport, bundled at test time, in real Chromium: three people
// in one room on localhost, each with a fake microphone playing a speech-like WAV.
const dir = tempDir("audio-mesh");
let server: AudioPageServer;
let browser: Browser;
let relay: AudioRelay;
let a: AudioParticipantPage;
let b: AudioParticipantPage;
let c: AudioParticipantPage;

/** Below this, a window's energy is silence: a muted sender measured ~2e-9, speech ~0.4 per window. */
const SILENT = 1e-5;
const WINDOW_MS = 2500;

/** Audio energy and bytes `listener` received from `speaker` over the next `ms`. */
async function received(listener: AudioParticipantPage, speaker: string, ms = WINDOW_MS) {
  const before = await listener.statsFrom(speaker);
  await sleep(ms);
  const after = await listener.statsFrom(speaker);
  return {
    bytes: after.bytesReceived - before.bytesReceived,
    energy: after.totalAudioEnergy - before.totalAudioEnergy,
  };
}

beforeAll(async () => {
  const wav = join(dir, "speech.wav");
  writeSpeechWav(wav);
  server = await startAudioPageServer(await bundleAudioHarness(), {
    livekit: await bundleAudioHarness("audio-livekit-harness.ts"),
  });
  browser = await launchAudioBrowser(wav);
  relay = new AudioRelay(browser, server.url);
  a = await relay.open("A", ["A", "B", "C"]);
  b = await relay.open("B", ["A", "B", "C"]);
  c = await relay.open("C", ["A", "B", "C"]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  removeDir(dir);
});

describe("audio mesh in Chromium", () => {
  it("every participant receives the other two's audio", async () => {
    // Joined one after another, as people arrive: later joiners say hello to earlier ones.
    for (const p of [a, b, c]) expect(await p.join({ listenOnly: false, startMuted: false })).toEqual({ ok: true });

    const pairs = [a, b, c].flatMap((listener) =>
      [a, b, c].filter((s) => s !== listener).map((speaker) => [listener, speaker] as const),
    );
    for (const [listener, speaker] of pairs) {
      await expect
        .poll(
          async () => {
            const s = await listener.statsFrom(speaker.id);
            return s.bytesReceived > 0 && s.totalAudioEnergy > 0;
          },
          { timeout: 10_000, interval: 250 },
        )
        .toBe(true);
    }
    // Then a steady stream: every pair carries speech energy over the same window.
    const windows = await Promise.all(pairs.map(([listener, speaker]) => received(listener, speaker.id)));
    console.log(
      "received over 2.5 s:\n  " +
        pairs
          .map(([l, s], i) => `${l.id}<-${s.id}: ${windows[i]?.bytes} B, energy ${windows[i]?.energy.toFixed(3)}`)
          .join("\n  "),
    );
    for (const window of windows) {
      expect(window.bytes).toBeGreaterThan(0);
      expect(window.energy).toBeGreaterThan(SILENT);
    }

    for (const p of [a, b, c]) {
      const snapshot = await p.snapshot();
      expect(snapshot.state).toBe("connected");
      expect(snapshot.participants.map((x) => [x.id, x.link])).toEqual(
        [a, b, c].filter((o) => o !== p).map((o) => [o.id, "connected"]),
      );
      expect((await p.audioElements()).sort()).toEqual([a, b, c].filter((o) => o !== p).map((o) => o.id));
    }
    // The speaking indicator lit up from audio levels at some point (the WAV has pauses too).
    await expect
      .poll(async () => (await a.history()).some((s) => s.participants.some((x) => x.id === "B" && x.speaking)), {
        timeout: 5000,
      })
      .toBe(true);
    await expect.poll(async () => (await a.history()).some((s) => s.speaking), { timeout: 5000 }).toBe(true);
  });

  it("after B mutes, nobody receives new audio energy from B", async () => {
    await b.setMuted(true);
    expect((await b.snapshot()).muted).toBe(true);
    await sleep(1500); // let the jitter buffers drain
    const [aFromB, cFromB, aFromC] = await Promise.all([received(a, "B"), received(c, "B"), received(a, "C")]);
    console.log("after B muted:", { aFromB, cFromB, aFromC });
    // The link stays up (silence still flows, so unmuting is instant) but carries no energy.
    expect(aFromB.bytes).toBeGreaterThan(0);
    expect(aFromB.energy).toBeLessThan(SILENT);
    expect(cFromB.energy).toBeLessThan(SILENT);
    // Control: the others are still heard over the same window.
    expect(aFromC.energy).toBeGreaterThan(SILENT);
  });

  it("after A blocks C, A receives no more energy from C while B still does", async () => {
    await a.blockPeer("C");
    await sleep(1000);
    const [aFromC, bFromC] = await Promise.all([received(a, "C"), received(b, "C")]);
    console.log("after A blocked C:", { aFromC, bFromC });
    expect(aFromC.bytes).toBeGreaterThan(0); // C still sends; A's browser refuses to play it
    expect(aFromC.energy).toBeLessThan(SILENT);
    expect(bFromC.energy).toBeGreaterThan(SILENT);
    expect(await a.audioElements()).toEqual(["B"]); // C's element is detached; muted B stays attached
  });

  it("C leaves and rejoins on a new connection; A's block on C holds", async () => {
    await c.leave();
    await expect.poll(async () => (await a.snapshot()).participants.map((p) => p.id)).toEqual(["B"]);
    await expect.poll(async () => (await b.snapshot()).participants.map((p) => p.id)).toEqual(["A"]);
    expect(await c.audioElements()).toEqual([]);

    expect(await c.join({ listenOnly: false, startMuted: false })).toEqual({ ok: true });
    await expect
      .poll(async () => (await b.statsFrom("C")).totalAudioEnergy, { timeout: 10_000, interval: 250 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await a.statsFrom("C")).bytesReceived, { timeout: 10_000, interval: 250 })
      .toBeGreaterThan(0);
    const [aFromC, bFromC] = await Promise.all([received(a, "C"), received(b, "C")]);
    console.log("after C rejoined:", { aFromC, bFromC });
    expect(bFromC.energy).toBeGreaterThan(SILENT);
    expect(aFromC.energy).toBeLessThan(SILENT);
    expect((await a.snapshot()).participants.find((p) => p.id === "C")?.blocked).toBe(true);
  });

  it("a listen-only join hears the room and never asks for the microphone", async () => {
    const d = await relay.open("D", ["A", "B", "C", "D"]);
    expect(await d.join({ listenOnly: true, startMuted: true })).toEqual({ ok: true });
    await expect
      .poll(async () => (await d.statsFrom("A")).totalAudioEnergy, { timeout: 10_000, interval: 250 })
      .toBeGreaterThan(0);
    const dFromC = await received(d, "C");
    console.log("listen-only D:", { dFromC });
    expect(dFromC.energy).toBeGreaterThan(SILENT);
    expect(await d.getUserMediaCalls()).toBe(0);
    expect((await d.snapshot()).muted).toBe(true);
    expect((await a.statsFrom("D")).bytesReceived).toBe(0); // D sends nothing
  });

  it("a seventh participant is refused with the mesh-cap error, before any microphone prompt", async () => {
    const g = await relay.open("G", ["A", "B", "C", "D", "E", "F"]);
    const result = await g.join({ listenOnly: false, startMuted: false });
    expect(result).toMatchObject({ ok: false, code: "mesh_full" });
    expect(result.ok ? "" : result.message).toContain("LiveKit server");
    expect(await g.getUserMediaCalls()).toBe(0);
    expect((await g.snapshot()).state).toBe("idle");
  });
  it("someone who arrives while another's microphone prompt is open: both still hear each other", async () => {
    // P is alone and deciding about the microphone; Q arrives and says hello meanwhile.
    const p = await relay.open("P", ["P"]);
    await p.holdMicrophone();
    const pJoined = p.join({ listenOnly: false, startMuted: false });
    await expect.poll(() => p.getUserMediaCalls()).toBe(1);
    const q = await relay.open("Q", ["P", "Q"]);
    expect(await q.join({ listenOnly: false, startMuted: false })).toEqual({ ok: true });
    await expect.poll(() => p.signalsDelivered()).toBeGreaterThan(0);
    // The room now lists Q for P too; then P allows the microphone.
    await p.setPeers(["P", "Q"]);
    await p.releaseMicrophone();
    expect(await pJoined).toEqual({ ok: true });
    for (const [listener, speaker] of [
      [p, q],
      [q, p],
    ] as const)
      await expect
        .poll(async () => (await listener.statsFrom(speaker.id)).totalAudioEnergy, { timeout: 10_000, interval: 250 })
        .toBeGreaterThan(0);
    expect((await p.snapshot()).participants.map((x) => x.id)).toEqual(["Q"]);
    expect((await q.snapshot()).participants.map((x) => x.id)).toEqual(["P"]);
  });
  it("two who join at the same moment say hello to each other, yet only one of them offers", async () => {
    // Crossing hellos used to make both offer; the side that rolled back its own first offer
    // could be left by Chromium with no ICE candidates: connected to nobody, for good.
    const r = await relay.open("R", ["R", "S"]);
    const t = await relay.open("S", ["R", "S"]);
    for (const p of [r, t]) await p.holdMicrophone();
    const joined = [r, t].map((p) => p.join({ listenOnly: false, startMuted: false }));
    for (const p of [r, t]) await expect.poll(() => p.getUserMediaCalls()).toBe(1);
    await Promise.all([r.releaseMicrophone(), t.releaseMicrophone()]);
    for (const result of await Promise.all(joined)) expect(result).toEqual({ ok: true });
    for (const [listener, speaker] of [
      [r, t],
      [t, r],
    ] as const)
      await expect
        .poll(async () => (await listener.statsFrom(speaker.id)).totalAudioEnergy, { timeout: 10_000, interval: 250 })
        .toBeGreaterThan(0);
    const offers = (relay.counts.get("offer:R->S") ?? 0) + (relay.counts.get("offer:S->R") ?? 0);
    const answers = (relay.counts.get("answer:R->S") ?? 0) + (relay.counts.get("answer:S->R") ?? 0);
    expect({ offers, answers }).toEqual({ offers: 1, answers: 1 });
  });
});

// The real LiveKitTransport in Chromium against the real LiveKit server on loopback.
const liveKitBin = liveKitServerForTests("LiveKit transport e2e");
describe.skipIf(!liveKitBin)("LiveKit transport against the real server", () => {
  let liveKit: TestLiveKit;
  let page: Page;
  let tokensIssued = 0;
  const token = async (identity: string) => {
    tokensIssued += 1;
    const t = new AccessToken(liveKit.apiKey, liveKit.apiSecret, { identity, ttl: 600 });
    t.addGrant({ room: "transport-check", roomJoin: true, canPublish: true, canSubscribe: true });
    return t.toJwt();
  };
  const state = () => page.evaluate(() => window.liveKitHarness.state());

  beforeAll(async () => {
    liveKit = await prepareTestLiveKit(liveKitBin!);
    page = await (await browser.newContext()).newPage();
    await page.exposeFunction("__freshToken", () => token("listener"));
    await page.goto(`${server.url}livekit`);
  }, 60_000);
  afterAll(async () => {
    await liveKit?.dispose();
  });

  it("a listen-only join while the server is down says 'unavailable', never asks for the microphone, and connects once it is up", async () => {
    const result = await page.evaluate(
      ([url, t]) => window.liveKitHarness.join(url, t, { listenOnly: true, startMuted: true }),
      [liveKit.url, await token("listener")] as const,
    );
    expect(result).toEqual({ ok: true });
    expect(await state()).toBe("unavailable");
    await liveKit.start();
    await expect.poll(state, { timeout: 20_000, interval: 250 }).toBe("connected");
    expect(tokensIssued).toBeGreaterThan(1); // each rejoin asked for a fresh token
    expect(await page.evaluate(() => window.liveKitHarness.getUserMediaCalls())).toBe(0);
    expect(await page.evaluate(() => window.liveKitHarness.states())).toEqual([
      "idle",
      "connecting",
      "unavailable",
      "connected",
    ]);
  }, 60_000);

  it("the server is SIGKILLed and started again: 'reconnecting', then connected again", async () => {
    await liveKit.kill();
    await expect.poll(state, { timeout: 15_000, interval: 100 }).toBe("reconnecting");
    await liveKit.start();
    const restarted = Date.now();
    await expect.poll(state, { timeout: 20_000, interval: 100 }).toBe("connected");
    console.log(`connected again ${Date.now() - restarted} ms after the restart`);
  }, 60_000);

  it("a token the server refuses ends the join with a plain error, and nothing is left connected", async () => {
    await page.evaluate(() => window.liveKitHarness.leave());
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${server.url}livekit`);
    const forged = new AccessToken(liveKit.apiKey, "not-the-secret-but-at-least-32-characters", { identity: "x" });
    forged.addGrant({ room: "transport-check", roomJoin: true });
    const result = await other.evaluate(
      ([url, t]) => window.liveKitHarness.join(url, t, { listenOnly: true, startMuted: true }),
      [liveKit.url, await forged.toJwt()] as const,
    );
    expect(result).toMatchObject({ ok: false, code: "not_allowed" });
    expect(await other.evaluate(() => window.liveKitHarness.state())).toBe("idle");
  }, 60_000);
});
