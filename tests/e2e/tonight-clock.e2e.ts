import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { formatFloating, instantFromWallTime, wallTimeAt } from "@offshift/core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { linkIn, startSmtpSink } from "../support/smtp.js";

// A controllable clock: the app reads "now" from this file (NODE_ENV=test only).
const dataDir = tempDir("clock");
const clockFile = path.join(dataDir, "now.txt");
const LONDON = "Europe/London";

// Next week's Tuesday, in London.
const today = wallTimeAt(new Date(), LONDON);
const todayUtc = new Date(Date.UTC(today.year, today.month - 1, today.day));
const daysToTuesday = ((2 - todayUtc.getUTCDay() + 7) % 7) + 7;
const tuesday = new Date(todayUtc.getTime() + daysToTuesday * 86_400_000);
const at = (hour: number, minute: number, plusDays = 0) => {
  const d = new Date(tuesday.getTime() + plusDays * 86_400_000);
  return instantFromWallTime(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute },
    LONDON,
  );
};
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());
const tuesdayDate = formatFloating({
  year: tuesday.getUTCFullYear(),
  month: tuesday.getUTCMonth() + 1,
  day: tuesday.getUTCDate(),
  hour: 0,
  minute: 0,
}).slice(0, 10);

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  setClock(at(19, 0));
  smtp = await startSmtpSink();
  app = await startApp({
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    NODE_ENV: "test",
    OFFSHIFT_TEST_CLOCK_FILE: clockFile,
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

describe("Tonight with a controllable clock", () => {
  it("Tue/Thu 22:00 series: later tonight at 19:00, join the lobby at 21:52, a cancelled Thursday disappears", async () => {
    // The facilitator (Maria, seeded) creates the series.
    const facilitator = await (await browser.newContext()).newPage();
    await facilitator.goto(`${app.url}/signin`);
    await facilitator.getByLabel("Email address").fill("maria@offshift.example");
    await facilitator.getByRole("button", { name: "Email me a sign-in link" }).click();
    await facilitator.getByTestId("link-sent").waitFor();
    await facilitator.goto(linkIn((await smtp.waitFor("maria@offshift.example", /sign-in link/)).text));
    await facilitator.waitForURL(/\/volunteer$/);
    await facilitator.goto(`${app.url}/facilitator/series/new`);
    await facilitator.getByLabel("Title").fill("Tuesday late check-in");
    await facilitator.getByLabel("Description").fill("For anyone finishing a late on a Tuesday or Thursday.");
    await facilitator.getByLabel("Tue", { exact: true }).check();
    await facilitator.getByLabel("Thu", { exact: true }).check();
    await facilitator.getByLabel("Starting").fill(tuesdayDate);
    await facilitator.getByLabel("At", { exact: true }).fill("22:00");
    await facilitator.getByRole("button", { name: "Create series" }).click();
    await facilitator.waitForURL(`${app.url}/facilitator`);

    // 19:00 on Tuesday: later tonight.
    const worker = await (await browser.newContext()).newPage();
    await worker.goto(app.url);
    const card = () => worker.locator("[data-testid=session-card]").filter({ hasText: "Tuesday late check-in" });
    const tonight = worker
      .getByTestId("section-later")
      .locator("[data-testid=session-card]")
      .filter({ hasText: "Tuesday late check-in" });
    expect(await tonight.count()).toBe(1);
    expect(await tonight.locator("time").textContent()).toBe("Tonight, 22:00");
    expect(await tonight.getByTestId("join").count()).toBe(0);

    // 21:52: starting soon, lobby open, one tap to join.
    setClock(at(21, 52));
    await worker.reload();
    const soon = worker
      .getByTestId("section-soon")
      .locator("[data-testid=session-card]")
      .filter({ hasText: "Tuesday late check-in" });
    expect(await soon.count()).toBe(1);
    await soon.getByTestId("join").click();
    await worker.getByRole("link", { name: "Choose a nickname to join" }).click();
    await worker.getByLabel("Nickname").fill("Night Owl");
    await worker.getByLabel(/I agree to the group agreement/).check();
    await worker.getByRole("button", { name: "Join" }).click();
    await worker.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    expect(await worker.getByTestId("lobby-status").textContent()).toContain("You're in the lobby as Night Owl");
    expect(await seriousA11yViolations(worker)).toEqual([]);

    // Thursday is listed for the week; cancelling it removes it from the open page.
    await worker.goto(app.url);
    await expect.poll(() => worker.getByTestId("connection-status").textContent()).toContain("Live");
    const thursdayStart = at(22, 0, 2).toISOString();
    const thursday = worker
      .locator(`[data-testid=session-card]:has(time[datetime="${thursdayStart}"])`)
      .filter({ hasText: "Tuesday late check-in" });
    expect(await thursday.count()).toBe(1);
    await facilitator.reload();
    const row = facilitator.locator(`[data-testid=my-occurrence]:has(time[datetime="${thursdayStart}"])`);
    await row.getByRole("button", { name: /Cancel Tuesday late check-in/ }).click();
    await expect.poll(() => thursday.count(), { timeout: 10_000 }).toBe(0);
    expect(await card().count()).toBeGreaterThanOrEqual(1); // Tuesday itself is still there
  });
});
