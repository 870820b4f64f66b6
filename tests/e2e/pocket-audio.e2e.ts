import { writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { LIVENESS_EVERY_MS, LIVENESS_TIMEOUT_MS, instantFromWallTime, wallTimeAt } from "@offshift/core";
import { liveKitServerForTests } from "@offshift/db/testing";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import {
  launchAudioBrowser,
  launchPocketBrowser,
  reportingAudio,
  writeSpeechWav,
  type PocketBrowser,
} from "../support/audio.js";
import { startAppWithLiveKit } from "../support/livekit.js";

// Audio in the pocket, end to end: two workers talking in a drop-in, each in real
// Chromium with a fake microphone playing speech. "Pocket" is on a phone: their page
// is hidden as a locked screen hides it, then their network goes for 8 s. Audio
// energy is measured where it arrives (each page's receivers), both ways, on the
// real LiveKit server and on the built-in mesh.
const bin = liveKitServerForTests("pocket audio e2e (LiveKit)");
const LONDON = "Europe/London";
const today = wallTimeAt(new Date(), LONDON);
// 21:55 tonight: the seeded 22:00 "Lone working at night" has its lobby open, and people in it talk.
const now = instantFromWallTime({ ...today, hour: 21, minute: 55, second: 0 }, LONDON);
/** Below this, a window's audio energy is silence (a muted sender measures ~1e-9, speech ~0.4 per 2.5 s). */
const SILENT = 1e-5;
/** The speech file has pauses of up to 0.66 s: every window this long holds speech. */
const WINDOW_MS = 3000;
const HIDDEN_MS = 30_000;
const CUT_MS = 8000;
/** After the network comes back, audio must flow both ways again within this. */
const BACK_WITHIN_MS = 10_000;

interface PeerStats {
  peerId: string;
  bytesReceived: number;
  totalAudioEnergy: number;
}
/** Cumulative energy per peer, as the page's receivers count it. */
const energy = async (page: Page): Promise<Map<string, number>> => {
  const all = (await page.evaluate(() =>
    (window as unknown as { offshiftRoom: { stats(): Promise<PeerStats[]> } }).offshiftRoom.stats(),
  )) as PeerStats[];
  return new Map(all.map((s) => [s.peerId, s.totalAudioEnergy]));
};
/** Energy `page` received from `peer` between two readings (a new receiver counts from 0 again). */
const gained = (before: Map<string, number>, after: Map<string, number>, peer: string) => {
  const was = before.get(peer) ?? 0;
  const is = after.get(peer) ?? 0;
  return is >= was ? is - was : is;
};
const memberId = async (page: Page, name: string) =>
  (await page.locator("[data-testid=participant]").filter({ hasText: name }).first().getAttribute("data-member-id"))!;

const transports = [
  { name: "the real LiveKit server", liveKit: true },
  { name: "the built-in mesh", liveKit: false },
] as const;

describe.each(transports)("audio in the pocket on $name", ({ liveKit }) => {
  let dataDir: string | undefined;
  let app: RunningApp;
  let stopApp: () => Promise<unknown>;
  let browser: Browser;
  let phone: PocketBrowser;
  let pocket: Page;
  let kit: Page;
  let pocketId: string;
  let kitId: string;
  let roomUrl = "";
  const pages = () => ({ pocket, kit });

  /** A guest who joins the room and talks: the join form, then "Join and talk" in the room. */
  async function joinAndTalk(page: Page, nickname: string) {
    await page.goto(roomUrl);
    await page.waitForURL(/\/join/);
    await page.getByLabel("Nickname").fill(nickname);
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(roomUrl);
    await page.getByTestId("join-talk").click();
    await page.getByTestId("leave").waitFor({ timeout: 30_000 });
  }

  /** Waits until each side has received speech from the other from now on; returns how long that took. */
  async function bothHear(timeout: number): Promise<number> {
    const started = Date.now();
    let last = await Promise.all([energy(pocket), energy(kit)]);
    const sum = { pocket: 0, kit: 0 };
    await reportingAudio(pages(), () =>
      expect
        .poll(
          async () => {
            const next = await Promise.all([energy(pocket), energy(kit)]);
            sum.pocket += gained(last[0], next[0], kitId);
            sum.kit += gained(last[1], next[1], pocketId);
            last = next;
            return { pocketHearsKit: sum.pocket > SILENT, kitHearsPocket: sum.kit > SILENT };
          },
          { timeout, interval: 250 },
        )
        .toEqual({ pocketHearsKit: true, kitHearsPocket: true }),
    );
    return Date.now() - started;
  }

  beforeAll(async () => {
    if (liveKit && !bin) return;
    dataDir = tempDir(`pocket-audio-${liveKit ? "livekit" : "mesh"}`);
    const clockFile = path.join(dataDir, "now.txt");
    writeFileSync(clockFile, now.toISOString());
    const wav = path.join(dataDir, "speech.wav");
    writeSpeechWav(wav);
    const env = { DATA_DIR: dataDir, NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile };
    if (liveKit) {
      // UDP only: Chromium's emulated cut reaches its UDP sockets but not ICE over TCP, so with
      // TCP offered the phone's audio found a way round the "lost signal" (seen: a TCP pair took over).
      const lk = await startAppWithLiveKit(bin!, env, { iceTcp: false });
      app = lk.app;
      stopApp = () => lk.stop();
    } else {
      app = await startApp(env);
      stopApp = () => app.stop();
    }
    browser = await launchAudioBrowser(wav);
    phone = await launchPocketBrowser(wav);

    kit = await (await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" })).newPage();
    await kit.goto(app.url);
    const card = kit.locator("[data-testid=session-card]").filter({ hasText: "Lone working at night" }).first();

    pocket = await phone.context.newPage();
    await phone.watch(pocket);
    for (const [name, page] of Object.entries(pages()))
      page.on("console", (m) => {
        if ((m.type() === "warning" || m.type() === "error") && /^audio:|livekit/i.test(m.text()))
          console.warn(`[${name} ${m.type()}] ${m.text()}`);
      });
    roomUrl = new URL(`/sessions/${await card.getAttribute("data-occurrence-id")}/room`, app.url).href;
  }, 180_000);

  afterAll(async () => {
    // Each step whatever happened to the one before: the app must never outlive the file.
    await phone?.close().catch((e: unknown) => console.warn("closing the phone's Chromium:", e));
    await browser?.close().catch(() => undefined);
    await stopApp?.();
    if (dataDir) removeDir(dataDir);
  }, 60_000);

  it.skipIf(liveKit && !bin)(
    "two workers join and talk: each hears the other",
    async () => {
      await joinAndTalk(kit, "Kit");
      await joinAndTalk(pocket, "Pocket");
      for (const page of [kit, pocket])
        await expect.poll(() => page.locator("[data-testid=participant]").count(), { timeout: 20_000 }).toBe(2);
      pocketId = await memberId(kit, "Pocket");
      kitId = await memberId(kit, "Kit");
      expect(
        await pocket.evaluate(
          () => (window as unknown as { offshiftRoom: { audioKind: string } }).offshiftRoom.audioKind,
        ),
      ).toBe(liveKit ? "livekit" : "mesh");
      const took = await bothHear(30_000);
      console.log(`[${liveKit ? "LiveKit" : "mesh"}] both heard each other ${took} ms after Pocket joined`);
    },
    120_000,
  );

  it.skipIf(liveKit && !bin)(
    "the page is hidden for 30 s, as a locked phone hides it: speech keeps arriving both ways in every 3 s window",
    async () => {
      await pocket.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { visibility: string[] }).visibility = seen;
        document.addEventListener("visibilitychange", () => seen.push(document.visibilityState));
      });
      const seen = await recordStatus();
      const bringBack = await phone.cover(pocket);
      await expect.poll(() => pocket.evaluate(() => document.visibilityState)).toBe("hidden");

      const hiddenAt = Date.now();
      const windows: { pocketHeard: number; kitHeard: number; hidden: boolean; from: number; to: number }[] = [];
      let before = await Promise.all([energy(pocket), energy(kit)]);
      let from = 0;
      while (Date.now() - hiddenAt < HIDDEN_MS) {
        await sleep(Math.min(WINDOW_MS, HIDDEN_MS - (Date.now() - hiddenAt)));
        const after = await Promise.all([energy(pocket), energy(kit)]);
        const to = Date.now() - hiddenAt;
        windows.push({
          from,
          to,
          pocketHeard: gained(before[0], after[0], kitId),
          kitHeard: gained(before[1], after[1], pocketId),
          hidden: await pocket.evaluate(() => document.visibilityState === "hidden"),
        });
        before = after;
        from = to;
      }
      console.log(
        `[${liveKit ? "LiveKit" : "mesh"}] hidden ${Date.now() - hiddenAt} ms; energy per window (Pocket<-Kit / Kit<-Pocket):`,
        windows.map((w) => `${w.pocketHeard.toFixed(3)}/${w.kitHeard.toFixed(3)}`).join(" "),
      );
      // What the page said meanwhile, relative to the start: a failure below names it too.
      const said = (await seen()).map((x) => `${x.text} @${x.at - hiddenAt} ms`).join(", ") || "nothing new";
      // Sampled throughout, not only at the end: no window of silence either way while hidden.
      expect(windows.length).toBeGreaterThanOrEqual(HIDDEN_MS / WINDOW_MS);
      for (const [i, w] of windows.entries()) {
        const when = `window ${i} (${w.from}-${w.to} ms; the status showed: ${said})`;
        expect(w.hidden, `${when}: still hidden`).toBe(true);
        expect(w.pocketHeard, `${when}: Pocket (hidden) hears Kit`).toBeGreaterThan(SILENT);
        expect(w.kitHeard, `${when}: Kit hears Pocket (hidden)`).toBeGreaterThan(SILENT);
      }
      // Its link was fine all along: the page never said otherwise.
      expect(said, "the status while hidden").not.toContain("Reconnecting");
      // Still in the room as far as the page and the lock screen go.
      expect(await pocket.evaluate(() => navigator.mediaSession.playbackState)).toBe("playing");
      expect(await pocket.getByTestId("connection-status").textContent()).toBe("Live");

      await bringBack();
      await expect.poll(() => pocket.evaluate(() => document.visibilityState)).toBe("visible");
      expect(await pocket.evaluate(() => (window as unknown as { visibility: string[] }).visibility)).toEqual([
        "hidden",
        "visible",
      ]);
    },
    120_000,
  );

  /** Every text Pocket's status shows from now on, with when it showed it; returns the reader. */
  async function recordStatus(): Promise<() => Promise<{ text: string; at: number }[]>> {
    await pocket.evaluate(() => {
      const el = document.querySelector("[data-testid=connection-status]")!;
      const seen: { text: string; at: number }[] = [];
      (window as unknown as { seenStatus: typeof seen }).seenStatus = seen;
      new MutationObserver(() => seen.push({ text: el.textContent ?? "", at: Date.now() })).observe(el, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    return () =>
      pocket.evaluate(() => (window as unknown as { seenStatus: { text: string; at: number }[] }).seenStatus.slice());
  }

  /**
   * Pocket's network goes for 8 s and comes back. `noticed`: the browser knows
   * (the "offline" event), as when a phone switches its data off; otherwise the
   * signal just fades, as in a car park, and the page has to find out itself.
   * Returns when the status left "Live" after the cut, in ms.
   */
  async function cutFor8s(noticed: boolean): Promise<number> {
    const label = `${liveKit ? "LiveKit" : "mesh"}, ${noticed ? "noticed" : "unnoticed"}`;
    const status = () => pocket.getByTestId("connection-status").textContent();
    await expect.poll(status).toBe("Live");
    const seen = await recordStatus();

    const cutAt = Date.now();
    await phone.lose(pocket, { noticed });
    await pocket.getByTestId("room-reconnecting").waitFor({ timeout: 10_000 });
    expect(await pocket.getByTestId("room-reconnecting").textContent()).toContain(
      "Reconnecting… you are still in the room",
    );
    // Once the last packets in flight have landed, nothing gets through either way: the cut is real.
    await sleep(Math.max(0, cutAt + 3000 - Date.now()));
    const cutFrom = await Promise.all([energy(pocket), energy(kit)]);
    await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
    const cutTo = await Promise.all([energy(pocket), energy(kit)]);
    const restoredAt = Date.now();
    await phone.restore(pocket);
    expect(gained(cutFrom[0], cutTo[0], kitId), "Pocket heard nothing while cut off").toBeLessThan(SILENT);
    expect(gained(cutFrom[1], cutTo[1], pocketId), "Kit heard nothing from Pocket meanwhile").toBeLessThan(SILENT);

    await bothHear(BACK_WITHIN_MS);
    const back = Date.now() - restoredAt;
    console.log(`[${label}] cut for ${restoredAt - cutAt} ms; both heard each other again ${back} ms after it ended`);
    expect(back).toBeLessThanOrEqual(BACK_WITHIN_MS);

    // Socket.IO's back-off between attempts reaches 10 s: the status may follow the audio a little later.
    await expect.poll(status, { timeout: 20_000 }).toBe("Live");
    await pocket.getByTestId("room-reconnecting").waitFor({ state: "detached", timeout: 20_000 });
    const shown = await seen();
    console.log(`[${label}] the status showed:`, shown.map((x) => `${x.text} @${x.at - cutAt} ms`).join(", "));
    const firstOff = shown.find((x) => x.at >= cutAt && x.text !== "Live");
    expect(firstOff, "the status left 'Live' while cut off").toBeDefined();
    expect(firstOff!.at).toBeLessThan(restoredAt);
    // From the moment it knew until the network came back, never "Live".
    const whileCut = shown.filter((x) => x.at >= firstOff!.at && x.at <= restoredAt).map((x) => x.text);
    expect(whileCut).not.toContain("Live");
    expect(whileCut).toContain("Reconnecting…");
    // Back in the same seat: Kit still sees the same Pocket, and nobody else.
    expect(await memberId(kit, "Pocket")).toBe(pocketId);
    expect(await kit.locator("[data-testid=participant]").count()).toBe(2);
    return firstOff!.at - cutAt;
  }

  it.skipIf(liveKit && !bin)(
    "the network goes for 8 s and the phone says so: 'Reconnecting…' at once, never 'Live' until it is back, and within 10 s of its return speech flows both ways again",
    async () => {
      expect(await cutFor8s(true)).toBeLessThan(1000);
    },
    120_000,
  );

  it.skipIf(liveKit && !bin)(
    "the signal fades for 8 s without the phone noticing: within 7 s the page stops saying 'Live', never says it until the signal is back, and within 10 s speech flows both ways again",
    async () => {
      // The page asks every 2 s and gives an answer 3 s: 5 s at worst, and 2 s for a busy machine.
      expect(await cutFor8s(false)).toBeLessThan(LIVENESS_EVERY_MS + LIVENESS_TIMEOUT_MS + 2000);
    },
    120_000,
  );
});
