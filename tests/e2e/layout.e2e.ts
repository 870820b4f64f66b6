import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { linkIn, startSmtpSink } from "../support/smtp.js";
import { londonDay } from "../support/clock.js";

// Worker pages on a small phone (360 px) with the longest nickname and with
// text at 200%; coordinator pages on a desktop (1280 px).
const dataDir = tempDir("layout");
const clockFile = path.join(dataDir, "now.txt");
/** 24 characters, the most a nickname may have, with no space to break at. */
const NICKNAME = "Nightshiftcarerfromleeds";
const NEUTRAL = "https://www.bbc.co.uk/weather";

// Next week's Tuesday at 21:55 (dark by the clock): the seeded 22:00 "Lone working at night" has its lobby open.
const now = londonDay(2, 7)(21, 55);

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  writeFileSync(clockFile, now.toISOString());
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

interface Fit {
  scrollWidth: number;
  innerWidth: number;
  /** Controls that must be wholly on screen and wide enough for their own text. */
  outside: string[];
}

/** What sticks out: the page past the screen's width, or a control past the edge or its own box. */
function fit(page: Page, selectors: string[]): Promise<Fit> {
  return page.evaluate((selectors) => {
    const outside: string[] = [];
    for (const selector of selectors) {
      const el = document.querySelector<HTMLElement>(selector);
      if (!el) {
        outside.push(`${selector} (missing)`);
        continue;
      }
      const r = el.getBoundingClientRect();
      if (r.left < 0 || r.right > innerWidth || r.width === 0) outside.push(`${selector} at ${r.left}..${r.right}`);
      if (el.scrollWidth > el.clientWidth) outside.push(`${selector} text ${el.scrollWidth} in ${el.clientWidth}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, outside };
  }, selectors);
}

const EVERY_PAGE = [".quick-exit", ".crisis-toggle"];

describe("worker pages on a 360 px phone", () => {
  let worker: Page;
  let sessionId: string;

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
    worker = await context.newPage();
    await worker.goto(`${app.url}/join`);
    await worker.getByLabel("Nickname").fill(NICKNAME);
    await worker.getByLabel(/I agree to the group agreement/).check();
    await worker.getByRole("button", { name: "Join" }).click();
    await worker.waitForURL(`${app.url}/`);
    sessionId = (await worker
      .locator("[data-testid=session-card]")
      .filter({ hasText: "Lone working at night" })
      .first()
      .getAttribute("data-occurrence-id"))!;
  });

  const pages = () => [
    { name: "Tonight", url: "/", controls: [] as string[] },
    { name: "session", url: `/sessions/${sessionId}`, controls: [] },
    { name: "join", url: "/join", controls: [] },
    { name: "room", url: `/sessions/${sessionId}/room`, controls: ["form.say button[type=submit]"] },
    { name: "talk", url: "/talk", controls: ["[data-testid=talk-request]"] },
    { name: "reminders", url: "/reminders", controls: [] },
    { name: "account", url: "/account", controls: [] },
  ];

  for (const text of ["100%", "200%"])
    it(`no page is wider than the screen, and Quick exit and the crisis contacts are on it (text ${text})`, async () => {
      const problems: Record<string, Fit> = {};
      for (const p of pages()) {
        await worker.goto(app.url + p.url);
        if (p.name === "room" && (await worker.getByTestId("leave").count()) === 0) {
          await worker.getByTestId("join-listen").click();
          await worker.getByTestId("leave").waitFor({ timeout: 20_000 });
        }
        if (text !== "100%") await worker.evaluate((size) => (document.documentElement.style.fontSize = size), text);
        const result = await fit(worker, [...EVERY_PAGE, ...p.controls]);
        if (result.scrollWidth > result.innerWidth || result.outside.length > 0) problems[p.name] = result;
      }
      expect(problems).toEqual({});
    });

  it("has no serious accessibility problems on Tonight and in the room at this size", async () => {
    await worker.goto(app.url);
    expect(await seriousA11yViolations(worker)).toEqual([]);
    await worker.goto(`${app.url}/sessions/${sessionId}/room`);
    expect(await seriousA11yViolations(worker)).toEqual([]);
  });
});

describe("Quick exit", () => {
  it("leaves for a neutral page, and Back does not bring Offshift back", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    // The neutral site, served here (no internet on this machine).
    await context.route(`${NEUTRAL}**`, (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Weather</title><h1>Weather</h1>" }),
    );
    const page = await context.newPage();
    await page.goto(app.url);
    await page.getByRole("link", { name: "Talk to someone now, one to one" }).click();
    await page.waitForURL(/\/join/);
    await page.getByRole("button", { name: "Quick exit" }).click();
    await page.waitForURL(NEUTRAL);
    await page.goBack();
    await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(NEUTRAL);
    expect(await page.title()).toBe("Weather");
    // Coming to Offshift afresh in the same tab still works.
    await page.goto(app.url);
    await page.getByRole("heading", { name: "Tonight", exact: true }).waitFor();
    expect(page.url()).toBe(`${app.url}/`);
  });
});

describe("coordinator pages on a 1280 px screen", () => {
  it("the rota week uses the width: no card overlaps another, and every card's coverage can be read", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${app.url}/signin`);
    await page.getByLabel("Email address").fill("priya@offshift.example");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.goto(linkIn((await smtp.waitFor("priya@offshift.example", /sign-in link/)).text));
    await page.goto(`${app.url}/coordinator/rota`);
    const layout = await page.evaluate(() => {
      const box = (el: Element) => el.getBoundingClientRect();
      const slots = [...document.querySelectorAll("[data-testid=rota-slot]")].map((el) => ({
        id: el.getAttribute("data-slot-id"),
        rect: box(el),
        coverage: el.querySelector<HTMLElement>("[data-testid=coverage]")!,
      }));
      const overlaps: string[] = [];
      for (const [i, a] of slots.entries())
        for (const b of slots.slice(i + 1)) {
          const apart =
            a.rect.right <= b.rect.left ||
            b.rect.right <= a.rect.left ||
            a.rect.bottom <= b.rect.top ||
            b.rect.bottom <= a.rect.top;
          if (!apart) overlaps.push(`${a.id} / ${b.id}`);
        }
      const cut = slots
        .filter(({ rect, coverage }) => {
          const c = box(coverage);
          return (
            coverage.scrollWidth > coverage.clientWidth + 1 ||
            c.left < rect.left ||
            c.right > rect.right ||
            c.top < rect.top ||
            c.bottom > rect.bottom
          );
        })
        .map((s) => s.id);
      return {
        slots: slots.length,
        overlaps,
        cut,
        mainWidth: box(document.querySelector("main")!).width,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    expect(layout.slots).toBeGreaterThan(7);
    expect(layout.overlaps).toEqual([]);
    expect(layout.cut).toEqual([]);
    expect(layout.mainWidth).toBeGreaterThan(1000);
    expect(layout.scrollWidth).toBeLessThanOrEqual(1280);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
