import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { londonDay } from "../support/clock.js";

// A room in the pocket: the lock screen knows it (Media Session, in neutral words),
// and when the signal goes the page says so at once ("Reconnecting… you are still in
// the room", never a stale "Live"), then takes the same seat again by itself.
const dataDir = tempDir("pocket-room");
const clockFile = path.join(dataDir, "now.txt");
// Next week's Tuesday at 21:55: the seeded 22:00 "Lone working at night" has its lobby open.
const now = londonDay(2, 7)(21, 55);

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  writeFileSync(clockFile, now.toISOString());
  app = await startApp({ DATA_DIR: dataDir, NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
  page = await context.newPage();
  await page.goto(`${app.url}/join`);
  await page.getByLabel("Nickname").fill("Pocket");
  await page.getByLabel(/I agree to the group agreement/).check();
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForURL(`${app.url}/`);
  const sessionId = await page
    .locator("[data-testid=session-card]")
    .filter({ hasText: "Lone working at night" })
    .first()
    .getAttribute("data-occurrence-id");
  await page.goto(`${app.url}/sessions/${sessionId}/room`);
  await page.getByTestId("join-listen").click();
  await page.getByTestId("leave").waitFor({ timeout: 20_000 });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  removeDir(dataDir);
});

const status = () => page.getByTestId("connection-status").textContent();

describe("a room in the pocket", () => {
  it("the lock screen shows neutral words, the microphone state, and offers the screen kept on", async () => {
    expect(await page.evaluate(() => navigator.mediaSession.metadata?.title)).toBe("Listening");
    expect(await page.evaluate(() => navigator.mediaSession.playbackState)).toBe("playing");
    expect(await page.getByTestId("keep-awake").isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("signal lost: at once 'Reconnecting… you are still in the room', never 'Live', then back in the same seat by itself", async () => {
    expect(await status()).toBe("Live");
    const seat = await page.locator("[data-testid=participant]", { hasText: "(you)" }).getAttribute("data-member-id");
    // Every text the status shows from now on.
    await page.evaluate(() => {
      const el = document.querySelector("[data-testid=connection-status]")!;
      const seen: string[] = [];
      (window as unknown as { seenStatus: string[] }).seenStatus = seen;
      new MutationObserver(() => seen.push(el.textContent ?? "")).observe(el, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });

    await context.setOffline(true);
    await page.getByTestId("room-reconnecting").waitFor({ timeout: 5000 });
    expect(await page.getByTestId("room-reconnecting").textContent()).toContain(
      "Reconnecting… you are still in the room",
    );
    expect(await status()).not.toBe("Live");
    // Still drawn as in the room: the people and the controls stay.
    expect(await page.getByTestId("leave").isVisible()).toBe(true);
    const seen = () => page.evaluate(() => (window as unknown as { seenStatus: string[] }).seenStatus.slice());
    await expect.poll(async () => (await seen()).length).toBeGreaterThan(0);
    expect(await seen()).not.toContain("Live");

    await context.setOffline(false);
    await expect.poll(status, { timeout: 10_000 }).toBe("Live");
    await page.getByTestId("room-reconnecting").waitFor({ state: "detached", timeout: 10_000 });
    expect(await page.locator("[data-testid=participant]", { hasText: "(you)" }).getAttribute("data-member-id")).toBe(
      seat,
    );
  });

  it("leaving clears the lock screen", async () => {
    await page.getByTestId("leave").click();
    await expect.poll(() => page.evaluate(() => navigator.mediaSession.metadata?.title ?? null)).toBeNull();
  });
});
