import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Emitter } from "@socket.io/postgres-emitter";
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser } from "../support/browser.js";

// Tonight ships no framework and no Socket.IO client: its HTML, its styles and one small script
// (apps/web/src/lib/tonight-page.ts), whose live updates come from a server-sent event stream
// (/api/tonight/events) fed by the same change events that clear Tonight's memory. Tonight is
// kept in memory for 10 minutes here, so only a change event can make a change show.
const pgDir = tempDir("tonight-live-pg");
const dataDir = tempDir("tonight-live-app");
let database: EmbeddedPostgresHandle;
let app: RunningApp;
let sql: pg.Client;
let events: pg.Pool;
let browser: Browser;

beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_tonight_live" });
  app = await startApp({ DATABASE_URL: database.url, DATA_DIR: dataDir, TONIGHT_CACHE_MS: "600000" });
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  events = new pg.Pool({ connectionString: database.url, max: 1 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await events?.end();
  await sql?.end();
  await app?.stop();
  await database?.stop();
  removeDir(pgDir);
  removeDir(dataDir);
});

/** As another web instance cancels (or restores) a session: in the database, then its event. */
async function setCancelled(occurrenceId: string, cancelled: boolean) {
  await sql.query(`update "DropInOccurrence" set status = $2 where id = $1`, [
    occurrenceId,
    cancelled ? "CANCELLED" : "SCHEDULED",
  ]);
  new Emitter(events)
    .to("public")
    .emit("dropin:schedule", { occurrenceId, change: cancelled ? "cancelled" : "created" });
}

const listedIn = (page: Page) =>
  page
    .locator("[data-testid=session-card]")
    .evaluateAll((els) => els.map((el) => el.getAttribute("data-occurrence-id")));
const served = async () =>
  [...(await (await fetch(`${app.url}/`)).text()).matchAll(/data-occurrence-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
const live = (page: Page) =>
  expect.poll(() => page.getByTestId("connection-status").textContent(), { timeout: 15_000 }).toContain("Live");
const markNoReload = (page: Page) =>
  page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
const notReloaded = (page: Page) =>
  page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

describe("Tonight on a first visit", () => {
  it("is its page, its styles and one small script: under 40 KiB on the wire, no framework, no Socket.IO", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    let bytes = 0;
    const urls: string[] = [];
    cdp.on("Network.requestWillBeSent", (e) => urls.push(e.request.url));
    cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
    await page.goto(app.url);
    await page.locator("[data-testid=session-card]").first().waitFor();
    await live(page);
    expect(bytes).toBeGreaterThan(2048);
    expect(bytes).toBeLessThan(40 * 1024);
    expect(urls.filter((u) => u.endsWith(".js"))).toHaveLength(1);
    expect(urls.some((u) => u.includes("socket.io") || u.startsWith(app.realtimeUrl))).toBe(false);
    expect(urls.filter((u) => u.startsWith(`${app.url}/api/tonight/events?since=`))).toHaveLength(1);

    // What the layout's components do elsewhere still works: the crisis contacts open, Escape twice leaves.
    await page.getByRole("button", { name: "Need help right now?" }).click();
    // The crisis panel's own link: at some hours a session not going ahead lists the same number in its next steps.
    const crisis = page.getByRole("region", { name: "Need help right now?" });
    expect(await crisis.getByRole("link", { name: /Samaritans/ }).isVisible()).toBe(true);
    await context.route("https://www.bbc.co.uk/**", (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Weather</title>" }),
    );
    await page.keyboard.press("Escape");
    await page.keyboard.press("Escape");
    await page.waitForURL("https://www.bbc.co.uk/weather");
    await context.close();
  });
});

describe("Quick exit from Tonight", () => {
  it("works on the next page before its own script has loaded (a page load now, not an in-app step)", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.route("https://www.bbc.co.uk/**", (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Weather</title>" }),
    );
    const page = await context.newPage();
    await page.goto(app.url);
    // The next page's scripts never arrive, as on a slow phone network in the first seconds.
    await context.route("**/_app/immutable/**/*.js", (route) => route.abort());
    await page.getByTestId("talk-link").click();
    await page.waitForURL(/\/join/);
    await page.getByRole("button", { name: "Quick exit" }).click();
    await page.waitForURL("https://www.bbc.co.uk/weather");
    await context.close();
  });
});

describe("Tonight's live places", () => {
  it("a change made by another process reaches an open page without a reload, and a reload shows the same", async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await live(page);
    await markNoReload(page);
    const occurrenceId = (await listedIn(page))[0]!;

    await setCancelled(occurrenceId, true);
    await expect.poll(() => listedIn(page), { timeout: 10_000 }).not.toContain(occurrenceId);
    expect(await notReloaded(page)).toBe(true);
    await page.reload();
    expect(await listedIn(page)).not.toContain(occurrenceId);

    await live(page);
    await setCancelled(occurrenceId, false);
    await expect.poll(() => listedIn(page), { timeout: 10_000 }).toContain(occurrenceId);
    await page.close();
  });

  it("a change made while the page was offline shows once it is back", async () => {
    const context: BrowserContext = await browser.newContext();
    const page = await context.newPage();
    await page.goto(app.url);
    await live(page);
    await markNoReload(page);
    const occurrenceId = (await listedIn(page))[1]!;

    await context.setOffline(true);
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toContain("Reconnecting");
    await setCancelled(occurrenceId, true);
    await expect.poll(served).not.toContain(occurrenceId); // the server has heard it
    expect(await listedIn(page)).toContain(occurrenceId);

    await context.setOffline(false);
    await live(page);
    await expect.poll(() => listedIn(page), { timeout: 10_000 }).not.toContain(occurrenceId);
    expect(await notReloaded(page)).toBe(true);
    await setCancelled(occurrenceId, false);
    await context.close();
  });

  it("a change between the page being served and its live stream starting is not lost", async () => {
    const context = await browser.newContext();
    // Hold the page's script, as a slow network would, until the change has happened.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await context.route("**/_app/immutable/workers/**", async (route: Route) => {
      await released;
      await route.continue();
    });
    const page = await context.newPage();
    await page.goto(app.url, { waitUntil: "commit" });
    await page.locator("[data-testid=session-card]").first().waitFor();
    const occurrenceId = (await listedIn(page))[2]!;

    await setCancelled(occurrenceId, true);
    await expect.poll(served).not.toContain(occurrenceId);
    release();
    await live(page);
    await expect.poll(() => listedIn(page), { timeout: 10_000 }).not.toContain(occurrenceId);
    await setCancelled(occurrenceId, false);
    await context.close();
  });

  it("'Count me in' works without script too, as a plain form", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${app.url}/join?next=/`);
    await page.getByLabel("Nickname").fill("Plain Owl");
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${app.url}/`);
    const card = page
      .locator("[data-testid=session-card]")
      .filter({ has: page.getByRole("button", { name: "Count me in" }) })
      .first();
    const occurrenceId = (await card.getAttribute("data-occurrence-id"))!;
    await card.getByRole("button", { name: "Count me in" }).click();
    const same = page.locator(`[data-testid=session-card][data-occurrence-id="${occurrenceId}"]`);
    await same.getByRole("button", { name: "I can't make it now" }).waitFor();
    expect(await same.getByTestId("planning-count").textContent()).toContain("1 person plans to come");
    await context.close();
  });

  it("one tap on Join is one page load: the room page's socket starts with the ticket the page came with", async () => {
    // A session whose lobby is open now, made as the horizon job makes one; then Tonight is told.
    const { rows } = await sql.query<{ id: string }>(
      `INSERT INTO "DropInOccurrence" ("id", "seriesId", "originalStart", "startsAt", "endsAt", "title", "theme",
                                       "description", "capacity", "facilitatorId", "updatedAt")
       SELECT gen_random_uuid(), s."id", now() + interval '5 minutes', now() + interval '5 minutes',
              now() + interval '65 minutes', s."title", s."theme", s."description", s."capacity", s."facilitatorId", now()
       FROM "DropInSeries" s ORDER BY s."createdAt" LIMIT 1
       RETURNING "id"`,
    );
    const occurrenceId = rows[0]!.id;
    new Emitter(events).to("public").emit("dropin:schedule", { occurrenceId, change: "created" });
    await expect.poll(served).toContain(occurrenceId);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/join?next=/`);
    await page.getByLabel("Nickname").fill("Tap Owl");
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${app.url}/`);
    const tickets: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/realtime-ticket")) tickets.push(r.url());
    });
    await page.locator(`[data-occurrence-id="${occurrenceId}"]`).getByTestId("join").click();
    await page.waitForURL(/\/room/);
    await live(page);
    expect(tickets).toEqual([]);
    await context.close();
  });
});
