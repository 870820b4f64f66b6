import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import ICAL from "ical.js";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";

// A fresh clone's first `npm start`: no DATABASE_URL, an empty data directory.
let app: RunningApp;
let browser: Browser;
const dataDir = tempDir("tonight");

beforeAll(async () => {
  app = await startApp({ DATA_DIR: dataDir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  removeDir(dataDir);
});

describe("Tonight on a fresh start with embedded PostgreSQL", () => {
  it("seeds demo data on the first run and says where the database lives", () => {
    expect(app.output()).toContain("Created embedded PostgreSQL");
    expect(app.output()).toContain("Added demo data (first run).");
  });

  it("shows seeded drop-ins read from the database and a live realtime connection", async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await expect.poll(() => page.getByTestId("connection-status").textContent()).toContain("Live");
    const cards = page.getByTestId("session-card");
    expect(await cards.count()).toBeGreaterThan(3);
    const titles = await page.locator("[data-testid=session-card] h3").allTextContents();
    // The seed has a daily 22:00 and a daily 00:30 session, so tonight is never empty.
    expect(titles).toEqual(expect.arrayContaining(["Lone working at night", "Just offload"]));
    // Crisis contacts and quick exit are on the page.
    await page.getByRole("button", { name: "Need help right now?" }).click();
    // The crisis panel's own link (a session not going ahead lists next steps with the same number too).
    const crisis = page.getByRole("region", { name: "Need help right now?" });
    expect(await crisis.getByRole("link", { name: /Samaritans/ }).getAttribute("href")).toBe("tel:116123");
    expect(await page.getByRole("button", { name: "Quick exit" }).isVisible()).toBe(true);
    await page.close();
  });

  it("a change made through web appears in an open second page without reload", async () => {
    const watcher = await (await browser.newContext()).newPage();
    const actor = await (await browser.newContext()).newPage();
    await Promise.all([watcher.goto(app.url), actor.goto(app.url)]);
    await expect.poll(() => watcher.getByTestId("connection-status").textContent()).toContain("Live");
    await expect.poll(() => actor.getByTestId("connection-status").textContent()).toContain("Live");
    // Mark the watcher's document: a reload would lose the mark.
    await watcher.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    // The first "Lone working at night" still taking people (tonight's, or the next one once tonight's
    // is not going ahead), pinned by its id so the card stays the same one throughout.
    const occurrenceId = await actor
      .locator("[data-testid=session-card]")
      .filter({ hasText: "Lone working at night" })
      .filter({ has: actor.getByRole("link", { name: "Count me in" }) })
      .first()
      .getAttribute("data-occurrence-id");
    const card = (page: typeof actor) =>
      page.locator(`[data-testid=session-card][data-occurrence-id="${occurrenceId}"]`);
    const watched = watcher.locator(`[data-occurrence-id="${occurrenceId}"] [data-testid=planning-count]`);
    expect(await watched.textContent()).toContain("0 people plan to come");

    // One count per person: "Count me in" asks a visitor for a nickname first, then brings them back.
    await card(actor).getByRole("link", { name: "Count me in" }).click();
    await actor.waitForURL(/\/join/);
    await actor.getByLabel("Nickname").fill("Night Owl");
    await actor.getByLabel(/I agree to the group agreement/).check();
    await actor.getByRole("button", { name: "Join" }).click();
    await actor.waitForURL(app.url + "/");
    await card(actor).getByRole("button", { name: "Count me in" }).click();
    await expect.poll(() => card(actor).getByRole("button", { name: "I can't make it now" }).count()).toBe(1);

    await expect.poll(() => watched.textContent(), { timeout: 10_000 }).toContain("1 person plans to come");
    expect(await watcher.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // And back again.
    await card(actor).getByRole("button", { name: "I can't make it now" }).click();
    await expect.poll(() => watched.textContent(), { timeout: 10_000 }).toContain("0 people plan to come");
  });

  it("rejects a forged request for an unknown session with a clear error and changes nothing", async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    const before = await page.locator("[data-testid=planning-count]").allTextContents();
    const response = await page.evaluate(async () => {
      const body = new URLSearchParams({ occurrenceId: "not-a-session", intent: "join" });
      const res = await fetch("/?/intent", {
        method: "POST",
        body,
        headers: { "x-sveltekit-action": "true", "content-type": "application/x-www-form-urlencoded" },
      });
      return res.json();
    });
    expect(response.type).toBe("failure");
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.data)).toContain("That session could not be found");
    await page.reload();
    expect(await page.locator("[data-testid=planning-count]").allTextContents()).toEqual(before);
    await page.close();
  });

  it("has no serious accessibility violations, in the dark theme and on a phone-sized screen", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(app.url);
    await page.getByRole("button", { name: "Need help right now?" }).click();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it("offers calendar files that agree with what the page shows", async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    const cards = await page.locator("[data-testid=session-card]").evaluateAll((els) =>
      els.map((el) => ({
        id: el.getAttribute("data-occurrence-id")!,
        start: el.querySelector("time")!.getAttribute("datetime")!,
        title: el.querySelector("h3")!.textContent!.trim(),
      })),
    );
    await page.close();
    const parse = (text: string) => {
      const comp = new ICAL.Component(ICAL.parse(text));
      ICAL.TimezoneService.register(comp.getFirstSubcomponent("vtimezone")!);
      return new Map(
        comp.getAllSubcomponents("vevent").map((v) => {
          const e = new ICAL.Event(v);
          return [e.uid, { start: e.startDate.toJSDate().toISOString(), summary: e.summary }];
        }),
      );
    };
    const feed = await fetch(`${app.url}/sessions.ics`);
    expect(feed.headers.get("content-type")).toContain("text/calendar");
    const all = parse(await feed.text());
    for (const card of cards) {
      expect(all.get(`${card.id}@offshift`)).toEqual({ start: card.start, summary: `${card.title} (Offshift)` });
    }
    const one = parse(await (await fetch(`${app.url}/sessions/${cards[0]!.id}.ics`)).text());
    expect([...one.keys()]).toEqual([`${cards[0]!.id}@offshift`]);
    expect((await fetch(`${app.url}/sessions/not-a-session.ics`)).status).toBe(404);
  });

  it("compresses pages for slow mobile data, and serves them plain to clients that cannot decode", async () => {
    const plain = await fetch(app.url, { headers: { "accept-encoding": "identity" } });
    const plainHtml = await plain.text();
    expect(plain.headers.get("content-encoding")).toBeNull();
    for (const encoding of ["br", "gzip"]) {
      const res = await fetch(app.url, { headers: { "accept-encoding": encoding } });
      expect(res.headers.get("content-encoding")).toBe(encoding);
      expect(res.headers.get("vary")).toMatch(/Accept-Encoding/i);
      // fetch decodes it: the same page, with its session cards.
      const html = await res.text();
      expect(html).toContain('data-testid="session-card"');
      expect(html.length).toBeGreaterThan(plainHtml.length * 0.9);
    }
  });

  it("answers web /healthz and realtime /readyz", async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "ok", service: "web" });
    expect(await (await fetch(`${app.realtimeUrl}/readyz`)).json()).toMatchObject({ status: "ready", database: "up" });
  });
});
