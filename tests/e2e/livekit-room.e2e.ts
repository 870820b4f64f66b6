import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { instantFromWallTime, wallTimeAt } from "@offshift/core";
import { liveKitServerForTests } from "@offshift/db/testing";
import { removeDir, tempDir } from "../support/app.js";
import { launchAudioBrowser, writeSpeechWav } from "../support/audio.js";
import {
  RtcParticipant,
  SocketGuest,
  liveKitIdentities,
  startAppWithLiveKit,
  type LiveKitApp,
} from "../support/livekit.js";
import { linkIn, startSmtpSink } from "../support/smtp.js";

// One drop-in of twelve on the real LiveKit server: a facilitator and two
// workers in Chromium (fake microphones playing speech), and nine workers as
// server-side participants (@livekit/rtc-node) publishing a tone, who join
// through the same socket API as the browser. Audio energy is measured where
// it arrives: in each page's receivers, and in an rtc-node listener.
const bin = liveKitServerForTests("LiveKit room e2e");
const dataDir = tempDir("livekit-room");
const clockFile = path.join(dataDir, "now.txt");
const LONDON = "Europe/London";
const today = wallTimeAt(new Date(), LONDON);
// 21:55 tonight: the seeded 22:00 "Lone working at night" (Joanne, 12 places) has its lobby open.
const now = instantFromWallTime({ ...today, hour: 21, minute: 55, second: 0 }, LONDON);
/** Below this, a window's audio energy is silence (a muted sender measures ~1e-9, speech ~0.4). */
const SILENT = 1e-5;
const TONE_PARTICIPANTS = 9;
/** Screenshots go here when set (OFFSHIFT_SCREENSHOTS=/some/dir). */
const shots = process.env.OFFSHIFT_SCREENSHOTS;

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let lk: LiveKitApp;
let browser: Browser;
let roomUrl: string;
let occurrenceId: string;
let joanne: Page;
let owl: Page;
let kit: Page;
const guests: SocketGuest[] = [];
const tones: RtcParticipant[] = [];
/** Kit's LiveKit tokens, read from the signalling URLs the page opened. */
const kitTokens: string[] = [];

interface PeerStats {
  peerId: string;
  bytesReceived: number;
  totalAudioEnergy: number;
}
type Energy = Map<string, number>;

const stats = async (page: Page): Promise<Energy> => {
  const all = (await page.evaluate(() =>
    (window as unknown as { offshiftRoom: { stats(): Promise<PeerStats[]> } }).offshiftRoom.stats(),
  )) as PeerStats[];
  return new Map(all.map((s) => [s.peerId, s.totalAudioEnergy]));
};
const memberIds = async (page: Page): Promise<string[]> =>
  page
    .locator("[data-testid=participant]")
    .evaluateAll((items) => items.map((li) => li.getAttribute("data-member-id") ?? ""));
const memberId = (page: Page, name: string) =>
  page.locator("[data-testid=participant]").filter({ hasText: name }).first().getAttribute("data-member-id");

/** Energy each page received from each peer over one window, all measured at once. */
async function energyWindow(pages: Page[], ms = 2500): Promise<Energy[]> {
  const before = await Promise.all(pages.map(stats));
  await sleep(ms);
  const after = await Promise.all(pages.map(stats));
  return after.map(
    (a, i) =>
      new Map(
        [...a].map(([peer, e]) => {
          const was = before[i]!.get(peer) ?? 0;
          return [peer, e >= was ? e - was : e]; // a new receiver counts from 0
        }),
      ),
  );
}

/**
 * Waits until every page has received energy from every other speaker; returns
 * the time it took and the slowest listener<-speaker pairs (for the report).
 */
async function everyoneHears(
  pages: Page[],
  speakers: () => Promise<string[]>,
  timeout: number,
): Promise<{ took: number; slowest: string[] }> {
  const started = Date.now();
  const ids = await speakers();
  // Counters are cumulative per receiver; a reconnection brings new receivers counting from 0 again.
  const last = await Promise.all(pages.map(stats));
  const sums = pages.map(() => new Map<string, number>());
  const heardAt = new Map<string, number>();
  const names = new Map(
    await pages[0]!
      .locator("[data-testid=participant]")
      .evaluateAll((items) =>
        items.map(
          (li) =>
            [li.getAttribute("data-member-id") ?? "", li.querySelector(".name")?.textContent?.trim() ?? ""] as const,
        ),
      ),
  );
  await expect
    .poll(
      async () => {
        const missing: string[] = [];
        const after = await Promise.all(pages.map(stats));
        after.forEach((got, i) => {
          const self = pageIds.get(pages[i]!);
          for (const id of ids) {
            if (id === self) continue;
            const pair = `${i}<-${names.get(id) ?? id}`;
            const now = got.get(id) ?? 0;
            const was = last[i]!.get(id) ?? 0;
            const sum = (sums[i]!.get(id) ?? 0) + (now >= was ? now - was : now);
            sums[i]!.set(id, sum);
            last[i]!.set(id, now);
            if (sum <= SILENT) missing.push(pair);
            else if (!heardAt.has(pair)) heardAt.set(pair, Date.now() - started);
          }
        });
        return missing;
      },
      { timeout, interval: 250 },
    )
    .toEqual([]);
  const slowest = [...heardAt]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pair, ms]) => `${pair} ${ms} ms`);
  return { took: Date.now() - started, slowest };
}
const pageIds = new Map<Page, string>();

async function guestPage(nickname: string): Promise<Page> {
  // A phone-sized, dark screen (it is night at 21:55 in the app's clock).
  const page = await (
    await browser.newContext({ viewport: { width: 360, height: 780 }, colorScheme: "dark" })
  ).newPage();
  page.on("websocket", (ws) => {
    const token = new URL(ws.url()).searchParams.get("access_token");
    if (token && nickname === "Kit") kitTokens.push(token);
  });
  await page.goto(roomUrl);
  await page.waitForURL(/\/join/);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByLabel(/I agree to the group agreement/).check();
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForURL(roomUrl);
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(!bin)("a drop-in of twelve on the real LiveKit server", () => {
  beforeAll(async () => {
    writeFileSync(clockFile, now.toISOString());
    const wav = path.join(dataDir, "speech.wav");
    writeSpeechWav(wav);
    smtp = await startSmtpSink();
    lk = await startAppWithLiveKit(bin!, {
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      NODE_ENV: "test",
      OFFSHIFT_TEST_CLOCK_FILE: clockFile,
    });
    browser = await launchAudioBrowser(wav);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(tones.map((t) => t.stop()));
    for (const g of guests) g.close();
    await browser?.close();
    await lk?.stop();
    await smtp?.stop();
    removeDir(dataDir);
  }, 60_000);

  it("twelve people, three in Chromium and nine server-side: every page hears every speaker", async () => {
    const tonight = await (await browser.newContext()).newPage();
    await tonight.goto(lk.app.url);
    const card = tonight
      .getByTestId("section-soon")
      .locator("[data-testid=session-card]")
      .filter({ hasText: "Lone working at night" });
    roomUrl = new URL((await card.getByTestId("join").getAttribute("href"))!, tonight.url()).href;
    roomUrl = roomUrl.replace(/\?from=tonight$/, "");
    occurrenceId = /\/sessions\/([0-9a-f-]{36})\/room$/.exec(roomUrl)![1]!;
    await tonight.close();

    joanne = await (await browser.newContext()).newPage();
    await joanne.goto(`${lk.app.url}/signin`);
    await joanne.getByLabel("Email address").fill("joanne@offshift.example");
    await joanne.getByRole("button", { name: "Email me a sign-in link" }).click();
    await joanne.goto(linkIn((await smtp.waitFor("joanne@offshift.example", /sign-in link/)).text));
    await joanne.goto(roomUrl);
    await joanne.getByTestId("join-talk").click();
    await joanne.getByTestId("open").click();
    await expect.poll(() => joanne.getByTestId("room-phase").getAttribute("data-phase")).toBe("live");

    owl = await guestPage("Night Owl");
    kit = await guestPage("Kit");
    await owl.getByTestId("join-talk").click();
    await kit.getByTestId("join-talk").click();

    // Nine more workers through the socket API, each publishing a tone from the server side.
    for (let i = 0; i < TONE_PARTICIPANTS; i++) {
      const guest = await SocketGuest.create(lk.app, `Tone ${i + 1}`);
      guests.push(guest);
      const { url, token } = await guest.joinRoom(occurrenceId);
      tones.push(
        await RtcParticipant.join(url, token, {
          toneHz: 200 + 100 * (i % 5),
          freshToken: () => guest.audioToken(),
        }),
      );
    }
    const pages = [joanne, owl, kit];
    for (const page of pages)
      await expect.poll(() => page.locator("[data-testid=participant]").count(), { timeout: 20_000 }).toBe(12);
    pageIds.set(joanne, (await memberId(owl, "Joanne"))!);
    pageIds.set(owl, (await memberId(owl, "Night Owl"))!);
    pageIds.set(kit, (await memberId(owl, "Kit"))!);
    const everyone = await memberIds(joanne);
    expect(everyone).toHaveLength(12);
    expect(await liveKitIdentities(lk.rooms, occurrenceId)).toHaveLength(12);

    const { took } = await everyoneHears(pages, () => memberIds(joanne), 60_000);
    console.log(`every page heard all 11 others within ${took} ms of the last join`);
    // A steady stream from everyone, to everyone, over the same window.
    const [fromJoanne, fromOwl, fromKit] = await energyWindow(pages);
    for (const [i, got] of [fromJoanne!, fromOwl!, fromKit!].entries()) {
      const self = pageIds.get(pages[i]!)!;
      for (const id of everyone) if (id !== self) expect(got.get(id), `page ${i} from ${id}`).toBeGreaterThan(SILENT);
    }
    // Speaking indicators come from LiveKit's active speakers.
    await expect
      .poll(() => joanne.locator('[data-testid=participant][data-speaking="true"]').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
  }, 240_000);

  it("the LiveKit server is SIGKILLed and started again: every page hears everyone within 15 s, the room intact", async () => {
    await owl.getByTestId("hand").click();
    await expect.poll(() => joanne.getByTestId("hand-position").count()).toBe(1);
    const pages = [joanne, owl, kit];
    await lk.liveKit.kill();
    // Each page says truthfully that the audio is reconnecting (and the room itself carries on).
    for (const page of pages)
      await expect
        .poll(() => page.getByTestId("audio-status").getAttribute("data-state"), { timeout: 15_000, interval: 100 })
        .toBe("reconnecting");
    await screenshot(owl, "livekit-room-reconnecting-360-dark");
    expect(await owl.getByTestId("audio-status").textContent()).toContain("Reconnecting the audio");
    await owl
      .getByLabel(/message/i)
      .first()
      .fill("still here while the audio is down");
    await owl.getByRole("button", { name: /send/i }).click();
    await expect.poll(() => joanne.getByText("still here while the audio is down").count()).toBe(1);

    await lk.liveKit.start();
    const restartedAt = Date.now();
    pages.forEach(
      (page, i) =>
        void page
          .getByTestId("audio-status")
          .waitFor({ state: "detached", timeout: 15_000 })
          .then(() => console.log(`page ${i} connected again after ${Date.now() - restartedAt} ms`))
          .catch(() => undefined),
    );
    const { slowest } = await everyoneHears(pages, () => memberIds(joanne), 15_000);
    const took = Date.now() - restartedAt;
    console.log(`after the restart every page heard all 11 others again within ${took} ms; slowest:`, slowest);
    console.log(
      "server-side participants that had to rejoin with a fresh token:",
      tones.filter((t) => t.rejoins > 0).length,
    );
    expect(took).toBeLessThan(15_000);
    for (const page of pages) await expect.poll(() => page.getByTestId("audio-status").count()).toBe(0);
    await screenshot(owl, "livekit-room-connected-360-dark");
    // The room's own state never depended on the audio server.
    for (const page of pages) expect(await page.locator("[data-testid=participant]").count()).toBe(12);
    expect(await joanne.getByTestId("hand-position").count()).toBe(1);
    expect(await liveKitIdentities(lk.rooms, occurrenceId)).toHaveLength(12);
  }, 120_000);

  it("the facilitator mutes a worker: within 2 s nobody receives their audio, and their client cannot publish again", async () => {
    const owlId = pageIds.get(owl)!;
    // A server-side listener that plays everything it gets: it does not honour any mute itself.
    const listener = tones[0]!;
    listener.listenTo(owlId);
    await expect.poll(() => listener.energyFrom(owlId), { timeout: 15_000 }).toBeGreaterThan(SILENT);

    await joanne.getByRole("button", { name: "Mute Night Owl" }).click();
    const mutedAt = Date.now();
    let last = listener.energyFrom(owlId);
    await expect
      .poll(
        async () => {
          // Silent at the SFU: no audio track of theirs is live and they may not publish.
          const info = (await liveKitIdentities(lk.rooms, occurrenceId)).find((p) => p.identity === owlId);
          const sending = info?.tracks.some((t) => !t.muted) ?? true;
          const now = listener.energyFrom(owlId);
          const growing = now - last > SILENT;
          last = now;
          return { canPublish: info?.permission?.canPublish, sending, growing };
        },
        { timeout: 2000, interval: 250 },
      )
      .toEqual({ canPublish: false, sending: false, growing: false });
    console.log(`mute enforced at the SFU after ${Date.now() - mutedAt} ms`);

    // Their own page tries to talk anyway, straight through the LiveKit client API.
    const attempts = await owl.evaluate(async () => {
      type LkRoom = {
        localParticipant: {
          setMicrophoneEnabled(on: boolean): Promise<unknown>;
          publishTrack(track: MediaStreamTrack): Promise<unknown>;
        };
      };
      const room = (window as unknown as { offshiftRoom: { liveKitRoom(): LkRoom | null } }).offshiftRoom.liveKitRoom();
      if (!room) return ["no LiveKit room"];
      const outcome = async (what: string, p: () => Promise<unknown>) => {
        try {
          await p();
          return `${what}: accepted by the client`;
        } catch (error) {
          return `${what}: ${error instanceof Error ? error.message : String(error)}`;
        }
      };
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      return [
        await outcome("setMicrophoneEnabled", () => room.localParticipant.setMicrophoneEnabled(true)),
        await outcome("publishTrack", () => room.localParticipant.publishTrack(stream.getAudioTracks()[0]!)),
      ];
    });
    console.log("a muted worker's own attempts to publish:", attempts);
    await sleep(1000);
    const fromListener = listener.energyFrom(owlId);
    const [toJoanne, toKit] = await energyWindow([joanne, kit]);
    expect(listener.energyFrom(owlId) - fromListener).toBeLessThan(SILENT);
    expect(toJoanne!.get(owlId) ?? 0).toBeLessThan(SILENT);
    expect(toKit!.get(owlId) ?? 0).toBeLessThan(SILENT);
    const info = (await liveKitIdentities(lk.rooms, occurrenceId)).find((p) => p.identity === owlId);
    expect(info?.permission?.canPublish).toBe(false);
    expect(info?.tracks.filter((t) => !t.muted)).toEqual([]);
    // Everyone else is still heard.
    expect(toKit!.get(pageIds.get(joanne)!)).toBeGreaterThan(SILENT);
  }, 60_000);

  it("the facilitator removes a worker: the server disconnects them, their old token ends in removal within 2 s, and realtime refuses a new join", async () => {
    const kitId = pageIds.get(kit)!;
    expect(kitTokens.length).toBeGreaterThan(0);
    const oldToken = kitTokens.at(-1)!;
    joanne.once("dialog", (d) => void d.accept());
    await joanne.getByRole("button", { name: "Remove Kit" }).click();
    await expect.poll(() => kit.getByTestId("room-outcome").getAttribute("data-outcome")).toBe("removed");
    await expect
      .poll(async () => (await liveKitIdentities(lk.rooms, occurrenceId)).some((p) => p.identity === kitId), {
        timeout: 5000,
      })
      .toBe(false);

    // Back with the token they held: either refused at once or taken out within 2 s.
    const url = lk.liveKit.url;
    const tried = Date.now();
    let back: RtcParticipant | null = null;
    try {
      back = await RtcParticipant.join(url, oldToken, {});
    } catch (error) {
      console.log(`the old token was refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    await expect
      .poll(async () => (await liveKitIdentities(lk.rooms, occurrenceId)).some((p) => p.identity === kitId), {
        timeout: 2000,
        interval: 100,
      })
      .toBe(false);
    console.log(`the old token ended in removal after ${Date.now() - tried} ms`);
    await back?.stop();

    // Joining again from the room page: realtime says no, in plain words.
    await kit.goto(roomUrl);
    await kit.getByTestId("join-talk").click();
    await expect.poll(() => kit.getByTestId("room-outcome").getAttribute("data-outcome")).toBe("removed");
    expect(await kit.getByTestId("room-outcome").textContent()).toContain("A facilitator asked you to leave");
    await kit.close();
  }, 60_000);

  it("a page closed without leaving: within 10 s the others' room state no longer lists that person", async () => {
    const owlId = pageIds.get(owl)!;
    await owl.close();
    const closedAt = Date.now();
    await expect
      .poll(async () => (await memberIds(joanne)).includes(owlId), { timeout: 10_000, interval: 250 })
      .toBe(false);
    await expect
      .poll(() => guests[1]!.snapshot?.members.some((m) => m.id === owlId), {
        timeout: 10_000 - (Date.now() - closedAt),
      })
      .toBe(false);
    console.log(`the closed page's person left the others' room state after ${Date.now() - closedAt} ms`);
  }, 30_000);

  it("when the LiveKit server is down at join, the page says so plainly, the chat works, and audio comes once it is back", async () => {
    await lk.liveKit.kill();
    const late = await guestPage("Late Owl");
    await late.getByTestId("join-talk").click();
    await expect
      .poll(() => late.getByTestId("audio-status").getAttribute("data-state"), { timeout: 20_000 })
      .toBe("unavailable");
    const note = (await late.getByTestId("audio-status").textContent()) ?? "";
    expect(note).toContain("We can't connect the audio right now; trying again…");
    expect(note).not.toMatch(/LIVEKIT|LiveKit|server/);
    await screenshot(late, "livekit-room-unavailable-360-dark");
    await late
      .getByLabel(/message/i)
      .first()
      .fill("can anyone read me?");
    await late.getByRole("button", { name: /send/i }).click();
    await expect.poll(() => joanne.getByText("can anyone read me?").count()).toBe(1);

    await lk.liveKit.start();
    const lateId = (await memberId(late, "Late Owl"))!;
    pageIds.set(late, lateId);
    await expect
      .poll(async () => (await stats(late)).get(pageIds.get(joanne)!) ?? 0, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(SILENT);
    await expect.poll(() => late.getByTestId("audio-status").count()).toBe(0);
    await late.close();
  }, 90_000);
});
