import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { linkIn, startSmtpSink } from "../support/smtp.js";

const dataDir = tempDir("series");
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startApp({ DATA_DIR: dataDir, SMTP_URL: smtp.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

// Maria (seeded) facilitates "New to care" Mon/Wed/Sat 20:00-21:00 and "Just offload" daily 00:30.
const MARIA = "maria@offshift.example";
const todayInLondon = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());

async function signIn(email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${app.url}/signin`);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByTestId("link-sent").waitFor();
  await page.goto(linkIn((await smtp.waitFor(email, /sign-in link/)).text));
  await page.waitForURL(/\/(volunteer|coordinator|account)$/);
  return page;
}

async function fillSeries(page: Page, o: { title: string; days: string[]; time: string; capacity?: string }) {
  await page.goto(`${app.url}/facilitator/series/new`);
  await page.getByLabel("Title").fill(o.title);
  await page.getByLabel("Description").fill("A check-in for anyone finishing a late shift.");
  await page.getByLabel("Places").fill(o.capacity ?? "10");
  for (const d of o.days) await page.getByLabel(d, { exact: true }).check();
  await page.getByLabel("Starting").fill(todayInLondon());
  await page.getByLabel("At", { exact: true }).fill(o.time);
  await page.getByRole("button", { name: "Create series" }).click();
}

describe("facilitators schedule drop-in series", () => {
  it("refuses bad input and double booking, creates a Tue/Thu 22:00 series, and a cancellation leaves Tonight live", async () => {
    const facilitator = await signIn(MARIA);
    const watcher = await (await browser.newContext()).newPage();
    await watcher.goto(app.url);
    await expect.poll(() => watcher.getByTestId("connection-status").textContent()).toContain("Live");

    // Bad input: no days, zero places, markup in the title.
    await fillSeries(facilitator, { title: "<b>Late</b>", days: [], time: "22:00", capacity: "0" });
    expect(await facilitator.locator("#title-error").textContent()).toBe("A title cannot contain < or >");
    expect(await facilitator.locator("#capacity-error").textContent()).toBe("At least 2 people");
    expect(await facilitator.locator("#days-error").textContent()).toBe("Choose at least one day");

    // Double booking: Maria already runs "New to care" on Mondays 20:00-21:00.
    await fillSeries(facilitator, { title: "Clash check", days: ["Mon"], time: "20:30" });
    expect(await facilitator.getByTestId("recurrence-error").textContent()).toContain("already running “New to care”");

    await fillSeries(facilitator, { title: "Late shift check-in", days: ["Tue", "Thu"], time: "22:00" });
    await facilitator.waitForURL(`${app.url}/facilitator`);
    const mine = facilitator.locator("[data-testid=my-series]").filter({ hasText: "Late shift check-in" });
    const sessions = mine.getByTestId("my-occurrence");
    expect(await sessions.count()).toBeGreaterThanOrEqual(4); // two weeks of Tue/Thu
    for (const t of await sessions.locator("time").allTextContents()) expect(t).toMatch(/22:00$/);
    expect(await seriousA11yViolations(facilitator)).toEqual([]);

    // The open Tonight page picks the new series up without a reload.
    const card = (id: string) => watcher.locator(`[data-testid=session-card][data-occurrence-id="${id}"]`);
    const firstId = (await sessions.first().getAttribute("data-occurrence-id"))!;
    await expect.poll(() => card(firstId).count(), { timeout: 10_000 }).toBe(1);
    expect(await card(firstId).locator("h3").textContent()).toBe("Late shift check-in");

    // Cancel one occurrence: it disappears from Tonight; the next one stays.
    const secondId = (await sessions.nth(1).getAttribute("data-occurrence-id"))!;
    await sessions.first().locator("summary").click();
    await sessions
      .first()
      .getByRole("button", { name: /Cancel Late shift check-in/ })
      .click();
    await expect.poll(() => sessions.first().textContent()).toContain("cancelled");
    await expect.poll(() => card(firstId).count(), { timeout: 10_000 }).toBe(0);
    expect(await card(secondId).count()).toBe(1);
  });

  it("keeps series management to facilitators", async () => {
    const guest = await (await browser.newContext()).newPage();
    await guest.goto(`${app.url}/facilitator/series/new`);
    await guest.waitForURL(`${app.url}/signin`);
  });
});
