import path from "node:path";
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { seriousA11yViolations } from "../support/browser.js";
import { launchAudioBrowser, reportingAudio, writeSpeechWav } from "../support/audio.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";

// "Someone to talk to now", end to end in the real app: two volunteers on
// call, a guest asks for someone who speaks Portuguese, Maria (who does) is
// offered it and accepts, they hear each other over the mesh, she ends the
// call and records how it went (and asks for a debrief).
const dataDir = tempDir("talk");
const clockFile = path.join(dataDir, "now.txt");
/** Below this, a window's audio energy is silence (a muted sender measures ~1e-9, speech ~0.4). */
const SILENT = 1e-5;

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;

interface PeerStats {
  peerId: string;
  bytesReceived: number;
  totalAudioEnergy: number;
}
const stats = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { offshiftCall: { stats(): Promise<PeerStats[]> } }).offshiftCall.stats(),
  ) as Promise<PeerStats[]>;

/** Audio energy `listener` received from the other side over the next 2.5 s. */
async function heard(listener: Page, from: "worker" | "volunteer") {
  const pick = (all: PeerStats[]) => all.find((s) => s.peerId === from) ?? { bytesReceived: 0, totalAudioEnergy: 0 };
  const before = pick(await stats(listener));
  await sleep(2500);
  return pick(await stats(listener)).totalAudioEnergy - before.totalAudioEnergy;
}

async function signIn(email: string): Promise<Page> {
  return signInByLink(await browser.newContext(), app.url, smtp, email);
}

beforeAll(async () => {
  writeFileSync(clockFile, new Date().toISOString());
  const wav = path.join(dataDir, "speech.wav");
  writeSpeechWav(wav);
  smtp = await startSmtpSink();
  app = await startApp({
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    NODE_ENV: "test",
    OFFSHIFT_TEST_CLOCK_FILE: clockFile,
  });
  browser = await launchAudioBrowser(wav);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

describe("someone to talk to now", () => {
  let maria: Page;
  let sam: Page;
  let worker: Page;

  it("nobody on call: the worker is told honestly, with the next drop-in and the crisis contacts", async () => {
    worker = await (await browser.newContext()).newPage();
    await worker.goto(`${app.url}/talk`);
    await worker.waitForURL(/\/join/);
    await worker.getByLabel("Nickname").fill("Night Owl");
    // The one-to-one line has its own agreement (not the drop-in group's).
    await worker.getByLabel("I agree to the one-to-one agreement").check();
    await worker.getByRole("button", { name: "Continue" }).click();
    await worker.waitForURL(`${app.url}/talk`);
    expect(await worker.getByTestId("talk-availability").textContent()).toContain("Nobody is free right now");
    expect(await worker.getByRole("link", { name: /Samaritans/ }).count()).toBeGreaterThan(0);
  });

  it("two volunteers go on call and the worker sees it", async () => {
    maria = await signIn("maria@offshift.example");
    sam = await signIn("sam@offshift.example");
    for (const page of [maria, sam]) {
      await page.goto(`${app.url}/volunteer/on-call`);
      await page.getByTestId("oncall-start").click();
      await expect.poll(() => page.getByTestId("oncall-state").getAttribute("data-on-call")).toBe("true");
    }
    await worker.reload();
    await expect
      .poll(() => worker.getByTestId("talk-availability").textContent())
      .toContain("2 volunteers are on call now");
    expect(await seriousA11yViolations(worker)).toEqual([]);
    expect(await seriousA11yViolations(maria)).toEqual([]);
  });

  it("a Portuguese preference reaches Maria (who speaks it), not Sam; she accepts and both are taken to the call", async () => {
    await worker.getByTestId("talk-language").selectOption("pt");
    await worker.getByTestId("talk-request").click();
    await worker.getByTestId("talk-waiting").waitFor();
    await maria.getByTestId("offer").waitFor({ timeout: 10_000 });
    expect(await maria.getByTestId("offer").textContent()).toContain("Prefers Portuguese");
    expect(await maria.getByTestId("offer").textContent()).not.toContain("Night Owl");
    expect(await sam.getByTestId("offer").count()).toBe(0);
    expect(await seriousA11yViolations(maria)).toEqual([]);

    await maria.getByTestId("accept").click();
    await maria.waitForURL(/\/talk\/call\/[0-9a-f-]{36}$/);
    await worker.waitForURL(/\/talk\/call\/[0-9a-f-]{36}$/, { timeout: 10_000 });
    expect(worker.url()).toBe(maria.url());
  });

  it("both connect and hear each other", async () => {
    // The explanation comes first; nothing asks for the microphone until they choose.
    expect(await worker.getByRole("heading", { name: "Before you start" }).count()).toBe(1);
    await worker.getByTestId("call-talk").click();
    await maria.getByTestId("call-talk").click();
    await expect.poll(() => worker.getByTestId("call-presence").getAttribute("data-other-here")).toBe("true");
    expect(await worker.getByRole("heading", { name: "Talking with Maria" }).count()).toBe(1);
    await reportingAudio({ worker, maria }, async () => {
      await expect.poll(() => heard(worker, "volunteer"), { timeout: 40_000, interval: 500 }).toBeGreaterThan(SILENT);
      await expect.poll(() => heard(maria, "worker"), { timeout: 40_000, interval: 500 }).toBeGreaterThan(SILENT);
    });
    expect(await seriousA11yViolations(worker)).toEqual([]);

    await worker.getByLabel("Message").fill("thanks for picking up");
    await worker.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => maria.getByTestId("call-chat").textContent()).toContain("thanks for picking up");
  });

  it("Maria ends the call; she records an outcome and asks for a debrief, which alerts a coordinator", async () => {
    maria.once("dialog", (d) => void d.accept());
    await maria.getByTestId("call-end").click();
    for (const page of [maria, worker])
      await expect.poll(() => page.getByTestId("call-outcome").getAttribute("data-outcome")).toBe("ended");
    await maria.getByLabel("How did it go?").selectOption("listened-and-supported");
    await maria.getByLabel(/debrief for myself/).check();
    expect(await seriousA11yViolations(maria)).toEqual([]);
    await maria.getByTestId("after-save").click();
    await maria.getByTestId("after-saved").waitFor();
    expect(await maria.getByTestId("after-saved").textContent()).toContain("debrief");
    expect((await maria.getByTestId("after-saved").textContent())!.trim()).toMatch(/^Recorded\. A coordinator /);
    // The outbox is worked every 15 s.
    const mail = await smtp
      .waitFor("priya@offshift.example", /debrief/)
      .catch(() => smtp.waitFor("priya@offshift.example", /debrief/));
    expect(mail.text).toContain("Maria");
    expect(mail.text).not.toContain("Night Owl");
    // The worker can ask again straight away; the coordinator sees only numbers.
    await worker.goto(`${app.url}/talk`);
    await worker.getByTestId("talk-availability").waitFor();
    const priya = await signIn("priya@offshift.example");
    await priya.goto(`${app.url}/coordinator/talk`);
    expect(await priya.getByTestId("agg-requests").textContent()).toBe("1");
    expect(await priya.getByTestId("agg-answered").textContent()).toBe("1");
    expect(await priya.content()).not.toContain("Night Owl");
  });
});
