import path from "node:path";
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { AccessToken } from "livekit-server-sdk";
import { liveKitServerForTests } from "@offshift/db/testing";
import { removeDir, tempDir } from "../support/app.js";
import { launchAudioBrowser, writeSpeechWav } from "../support/audio.js";
import { RtcParticipant, liveKitIdentities, startAppWithLiveKit, type LiveKitApp } from "../support/livekit.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";

// A 1:1 call over the real LiveKit server: the call has its own two-person
// LiveKit room; both sides hear each other; nobody else gets in, even with a
// valid token for that room.
const bin = liveKitServerForTests("LiveKit 1:1 call e2e");
const dataDir = tempDir("livekit-talk");
const clockFile = path.join(dataDir, "now.txt");
/** Below this, a window's audio energy is silence (a muted sender measures ~1e-9, speech ~0.4). */
const SILENT = 1e-5;

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let lk: LiveKitApp;
let browser: Browser;

interface PeerStats {
  peerId: string;
  totalAudioEnergy: number;
}
type CallHooks = {
  stats(): Promise<PeerStats[]>;
  audioKind: string | null;
  liveKitRoom(): { name: string } | null;
};
const call = (page: Page) => ({
  stats: () =>
    page.evaluate(() => (window as unknown as { offshiftCall: CallHooks }).offshiftCall.stats()) as Promise<
      PeerStats[]
    >,
  audioKind: () => page.evaluate(() => (window as unknown as { offshiftCall: CallHooks }).offshiftCall.audioKind),
  roomName: () =>
    page.evaluate(() => (window as unknown as { offshiftCall: CallHooks }).offshiftCall.liveKitRoom()?.name ?? null),
});

/** Audio energy `listener` received from everyone else in its call over the next 2.5 s. */
async function heard(listener: Page): Promise<number> {
  const total = async () => (await call(listener).stats()).reduce((sum, s) => sum + s.totalAudioEnergy, 0);
  const before = await total();
  await sleep(2500);
  const after = await total();
  return after >= before ? after - before : after;
}

async function signIn(email: string): Promise<Page> {
  return signInByLink(await browser.newContext(), lk.app.url, smtp, email);
}

describe.skipIf(!bin)("a 1:1 call over the real LiveKit server", () => {
  let maria: Page;
  let worker: Page;

  beforeAll(async () => {
    writeFileSync(clockFile, new Date().toISOString());
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
    await browser?.close();
    await lk?.stop();
    await smtp?.stop();
    removeDir(dataDir);
  }, 60_000);

  it("a worker and a volunteer in a call hear each other through the call's own LiveKit room", async () => {
    maria = await signIn("maria@offshift.example");
    await maria.goto(`${lk.app.url}/volunteer/on-call`);
    await maria.getByTestId("oncall-start").click();
    await expect.poll(() => maria.getByTestId("oncall-state").getAttribute("data-on-call")).toBe("true");

    worker = await (await browser.newContext()).newPage();
    await worker.goto(`${lk.app.url}/talk`);
    await worker.waitForURL(/\/join/);
    await worker.getByLabel("Nickname").fill("Night Owl");
    // The one-to-one line has its own agreement (not the drop-in group's).
    await worker.getByLabel("I agree to the one-to-one agreement").check();
    await worker.getByRole("button", { name: "Continue" }).click();
    await worker.waitForURL(`${lk.app.url}/talk`);
    await worker.getByTestId("talk-request").click();
    await maria.getByTestId("offer").waitFor({ timeout: 15_000 });
    await maria.getByTestId("accept").click();
    await maria.waitForURL(/\/talk\/call\/[0-9a-f-]{36}$/);
    await worker.waitForURL(/\/talk\/call\/[0-9a-f-]{36}$/, { timeout: 15_000 });

    await worker.getByTestId("call-talk").click();
    await maria.getByTestId("call-talk").click();
    // Each side's call:join answer chooses the audio: wait for it rather than read it mid-join.
    await expect.poll(() => call(worker).audioKind()).toBe("livekit");
    await expect.poll(() => call(maria).audioKind()).toBe("livekit");
    await expect.poll(() => heard(worker), { timeout: 30_000, interval: 500 }).toBeGreaterThan(SILENT);
    await expect.poll(() => heard(maria), { timeout: 30_000, interval: 500 }).toBeGreaterThan(SILENT);
    const room = await call(worker).roomName();
    expect(room).toBeTruthy();
    expect(await call(maria).roomName()).toBe(room);
    expect(await liveKitIdentities(lk.rooms, room!)).toHaveLength(2);
  }, 180_000);

  it("a third identity holding a valid token for the call's room is not let in", async () => {
    const room = (await call(worker).roomName())!;
    expect(room, "the call is in a LiveKit room").toBeTruthy();
    const token = new AccessToken(lk.liveKit.apiKey, lk.liveKit.apiSecret, { identity: "someone-else", ttl: 600 });
    token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
    const tried = Date.now();
    let intruder: RtcParticipant | null = null;
    try {
      intruder = await RtcParticipant.join(lk.liveKit.url, await token.toJwt(), { toneHz: 500 });
    } catch (error) {
      console.log(`the third identity was refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    await expect
      .poll(async () => (await liveKitIdentities(lk.rooms, room)).map((p) => p.identity).includes("someone-else"), {
        timeout: 2000,
        interval: 100,
      })
      .toBe(false);
    console.log(`the third identity was out after ${Date.now() - tried} ms`);
    await intruder?.stop();
    // The call carries on between the two of them.
    expect(await liveKitIdentities(lk.rooms, room)).toHaveLength(2);
    expect(await heard(worker)).toBeGreaterThan(SILENT);
  }, 60_000);
});
