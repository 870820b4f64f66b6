import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchProfileBrowser, seriousA11yViolations, waitForServiceWorker } from "../support/browser.js";
import { londonDay } from "../support/clock.js";

// The installable app: Chromium's own install check passes, the service worker takes
// the page over, and with the network gone every page (by reload, by address or by a
// tap) shows the offline page with the crisis contacts and Quick exit, never the
// browser's error page; when the network returns the page comes back by itself.
const dataDir = tempDir("installable");
const clockFile = path.join(dataDir, "now.txt");
// Next week's Tuesday at 21:55: the seeded 22:00 "Lone working at night" is on Tonight.
const now = londonDay(2, 7)(21, 55);

let app: RunningApp;
let context: BrowserContext;
let page: Page;
let sessionId: string;

beforeAll(async () => {
  writeFileSync(clockFile, now.toISOString());
  app = await startApp({ DATA_DIR: dataDir, NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile });
  // An ordinary profile: Chromium refuses to install from an incognito context.
  context = await launchProfileBrowser(path.join(dataDir, "profile"), {
    viewport: { width: 360, height: 740 },
    colorScheme: "dark",
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(app.url);
  sessionId = (await page
    .locator("[data-testid=session-card]")
    .filter({ hasText: "Lone working at night" })
    .first()
    .getAttribute("data-occurrence-id"))!;
});
afterAll(async () => {
  await context?.close();
  await app?.stop();
  removeDir(dataDir);
});

/** Width and height from a PNG's IHDR chunk (bytes 16 to 24). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: { src: string; sizes: string; type: string; purpose: string }[];
}

async function expectOfflinePage(p: Page) {
  await p.getByTestId("offline-heading").waitFor();
  expect(await p.getByTestId("offline-heading").textContent()).toBe("You are offline; we will reconnect");
  const crisis = p.getByTestId("offline-crisis");
  for (const href of ["tel:116123", "sms:85258?body=SHOUT", "tel:111", "tel:999"])
    expect(await crisis.locator(`a[href="${href}"]`).isVisible()).toBe(true);
  expect(await p.getByRole("link", { name: "Quick exit" }).isVisible()).toBe(true);
}

/** Leaves the offline page first: it reloads itself once the network is back, which would cut into the next step. */
async function backOnline() {
  await page.goto("about:blank");
  await context.setOffline(false);
}

describe("installable app", () => {
  it("serves a manifest with a name, standalone display, the dark theme, Tonight as start and real PNG icons", async () => {
    const res = await fetch(`${app.url}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/manifest+json");
    const manifest = (await res.json()) as Manifest;
    expect(manifest).toMatchObject({
      name: "Offshift",
      start_url: "/",
      display: "standalone",
      theme_color: "#10131a",
      background_color: "#10131a",
    });
    const purposes = new Set<string>();
    for (const icon of manifest.icons) {
      const png = await fetch(app.url + icon.src);
      expect(png.headers.get("content-type")).toBe("image/png");
      const { width, height } = pngSize(Buffer.from(await png.arrayBuffer()));
      expect(`${width}x${height}`).toBe(icon.sizes);
      purposes.add(icon.purpose);
    }
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
    expect([...purposes].sort()).toEqual(["any", "maskable"]);
    // Every page links it.
    expect(await page.locator('link[rel="manifest"]').evaluate((l: HTMLLinkElement) => l.href)).toBe(
      `${app.url}/manifest.webmanifest`,
    );
  });

  it("passes Chromium's install check once the service worker controls the page", async () => {
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send("Page.getAppManifest")) as { url: string; errors: unknown[] };
    expect(manifest.url).toBe(`${app.url}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);
    await cdp.detach();
  });

  it("keeps the built assets pages used (nothing more on mobile data) and never a page or its data", async () => {
    const requested = new Set<string>();
    page.on("request", (r) => requested.add(new URL(r.url()).pathname));
    await page.goto(`${app.url}/sessions/${sessionId}`);
    const cached = await page.evaluate(async () => {
      const paths: string[] = [];
      for (const key of await caches.keys())
        for (const request of await (await caches.open(key)).keys()) paths.push(new URL(request.url).pathname);
      return paths;
    });
    expect(cached).toContain("/offline.html");
    const built = cached.filter((p) => p.startsWith("/_app/immutable/"));
    expect(built.length).toBeGreaterThan(0);
    // Only what this page asked for: the rest of the app (coordinator pages, LiveKit) is not downloaded ahead.
    expect(built.filter((p) => !requested.has(p))).toEqual([]);
    const notAssets = cached.filter(
      (p) => !p.startsWith("/_app/") && !/\.(svg|png|html|js|webmanifest)$/.test(p) && p !== "/favicon.svg",
    );
    expect(notAssets).toEqual([]);
    expect(cached).not.toContain("/");
    expect(cached.filter((p) => p.startsWith("/sessions") || p.includes("__data.json"))).toEqual([]);
  });

  it("offline, Tonight, a session page and the room all show the offline page with crisis contacts and Quick exit", async () => {
    await context.setOffline(true);
    try {
      for (const url of ["/", `/sessions/${sessionId}`, `/sessions/${sessionId}/room`]) {
        await page.goto(app.url + url);
        await expectOfflinePage(page);
        expect(page.url()).toBe(app.url + url);
        await page.reload();
        await expectOfflinePage(page);
      }
      expect(await seriousA11yViolations(page)).toEqual([]);
    } finally {
      await backOnline();
    }
  });

  it("comes back by itself when the network returns", async () => {
    await context.setOffline(true);
    await page.goto(`${app.url}/sessions/${sessionId}`);
    await expectOfflinePage(page);
    await context.setOffline(false);
    // The offline page checks again by itself and reloads the page that was asked for.
    await page.getByRole("heading", { name: "Lone working at night" }).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("offline-heading").count()).toBe(0);
  });

  it("a tap on a link while offline shows the offline page, not an error", async () => {
    await page.goto(app.url);
    await page.locator("[data-testid=session-card]").first().waitFor();
    await context.setOffline(true);
    try {
      await page.getByRole("link", { name: "Details" }).first().click();
      await expectOfflinePage(page);
      expect(page.url()).toMatch(/\/sessions\/[^/]+$/);
    } finally {
      await backOnline();
    }
  });
});
