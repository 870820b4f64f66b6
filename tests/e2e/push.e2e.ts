import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page, Worker } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchProfileBrowser, seriousA11yViolations, waitForServiceWorker } from "../support/browser.js";
import { londonDay } from "../support/clock.js";

// Web Push in the browser: the service worker shows what realtime pushes (delivered
// here through DevTools, as a push service would), in the device's wording; the page
// offers notifications and the API keeps only the device's push address, keys and choices.
const dataDir = tempDir("push");
const clockFile = path.join(dataDir, "now.txt");
const now = londonDay(2, 7)(21, 55);

let app: RunningApp;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  writeFileSync(clockFile, now.toISOString());
  app = await startApp({ DATA_DIR: dataDir, NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile });
  context = await launchProfileBrowser(path.join(dataDir, "profile"), {
    viewport: { width: 360, height: 740 },
    colorScheme: "dark",
  });
  await context.grantPermissions(["notifications"], { origin: app.url });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${app.url}/join?next=/talk`);
  await page.getByLabel("Nickname").fill("Pocket");
  await page.getByLabel("I agree to the one-to-one agreement").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${app.url}/talk`);
  await waitForServiceWorker(page);
});
afterAll(async () => {
  await context?.close();
  await app?.stop();
  removeDir(dataDir);
});

/**
 * Delivers `data` to this origin's service worker as a push service would (CDP
 * ServiceWorker.deliverPushMessage) and waits until the worker has handled it: the push
 * event seen and, when `shows` is given, that notification's showNotification settled.
 *
 * Only then may the test read getNotifications(). Chromium's getNotifications() drops,
 * and deletes from its database, any notification created before the call that the
 * platform does not list as on screen yet (platform_notification_context_impl.cc,
 * DoReadAllNotificationDataForServiceWorkerRegistration). Polling it while the worker is
 * between the write and the display erased the notification for good: on a busy machine
 * the first push of this file, or the one after the two dropped pushes, was then "shown
 * by nobody" (three full CI runs).
 */
async function deliverPush(data: unknown, shows?: string) {
  const cdp = await context.newCDPSession(page);
  // The registration for this origin's scope that is not being deleted; its worker is started below.
  const scopeURL = `${app.url}/`;
  const registration = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      for (const r of registrations as { registrationId: string; scopeURL: string; isDeleted: boolean }[])
        if (r.scopeURL === scopeURL && !r.isDeleted) resolve(r.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.startWorker", { scopeURL });
  const registrationId = await registration;
  const worker = await runningWorker();
  const payload = JSON.stringify(data);
  await worker.evaluate(watchPushes);
  await cdp.send("ServiceWorker.deliverPushMessage", { origin: app.url, registrationId, data: payload });
  await cdp.detach();
  const seen = () => worker.evaluate(() => (globalThis as unknown as { __seen: Seen }).__seen);
  await expect
    .poll(async () => (await seen()).pushes, { message: "the worker never received the push" })
    .toContain(payload);
  if (shows !== undefined)
    await expect
      .poll(async () => (await seen()).shown, { message: "the worker never finished showing it" })
      .toContain(shows);
}

interface Seen {
  pushes: (string | null)[];
  shown: string[];
}

/** The app's service worker as Playwright sees it, once it runs. */
async function runningWorker(): Promise<Worker> {
  const url = `${app.url}/service-worker.js`;
  await expect
    .poll(() => context.serviceWorkers().some((w) => w.url() === url), { message: "no running service worker" })
    .toBe(true);
  return context.serviceWorkers().find((w) => w.url() === url)!;
}

/**
 * Evaluated in the worker (test instrumentation only, added once per worker start): records each push
 * event's payload, and each title whose showNotification has settled. The app's own push handler, added
 * when the worker's script ran, still does the work; this listens beside it.
 */
function watchPushes() {
  const scope = globalThis as unknown as {
    __seen?: Seen;
    addEventListener(type: "push", listener: (event: { data: { text(): string } | null }) => void): void;
  };
  if (scope.__seen) return;
  const seen: Seen = { pushes: [], shown: [] };
  scope.__seen = seen;
  scope.addEventListener("push", (event) => seen.pushes.push(event.data?.text() ?? null));
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = async function (title, options) {
    await show.call(this, title, options);
    seen.shown.push(title);
  };
}

/** What this registration lists as shown; read only after deliverPush has waited for the worker. */
const shown = () =>
  page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as unknown,
    })),
  );

describe("Web Push in the browser", () => {
  it("the service worker shows a pushed notification with its discreet text and where a tap goes", async () => {
    await deliverPush(
      { title: "It's your turn", body: "Tap to open.", tag: "talk", url: "/talk/call/abc" },
      "It's your turn",
    );
    expect(await shown()).toEqual([
      { title: "It's your turn", body: "Tap to open.", tag: "talk", data: { url: "/talk/call/abc" } },
    ]);
    const text = JSON.stringify(await shown()).toLowerCase();
    for (const word of ["offshift", "volunteer", "support", "talk to"]) expect(text).not.toContain(word);
  });

  it("a push that is not ours (no title, or a link elsewhere) shows nothing", async () => {
    await page.evaluate(async () => {
      for (const n of await (await navigator.serviceWorker.ready).getNotifications()) n.close();
    });
    await deliverPush({ title: "Win a prize", body: "x", tag: "x", url: "https://elsewhere.example/" });
    await deliverPush({ nonsense: true });
    // The first real push after them is the only one shown: the two before were dropped, not queued.
    await deliverPush(
      { title: "New request", body: "Open within 30 s.", tag: "offer", url: "/volunteer/on-call" },
      "New request",
    );
    expect((await shown()).map((n) => n.title)).toEqual(["New request"]);
  });

  it("/talk offers notifications on this device in plain words, with no serious accessibility problems", async () => {
    await page.goto(`${app.url}/talk`);
    const control = page.getByTestId("push-talk");
    await control.waitFor();
    expect(await control.getAttribute("data-state")).toBe("off");
    expect((await control.textContent())!.replace(/\s+/g, " ")).toContain("no name, email or phone number");
    expect(await page.getByTestId("push-on").textContent()).toBe("Tell me when a volunteer answers");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("the API keeps a subscription for this guest, refuses bad input plainly, and forgets it on request", async () => {
    const key = Buffer.alloc(65, 4).toString("base64url");
    const auth = Buffer.alloc(16, 2).toString("base64url");
    const endpoint = "https://push.example.org/send/e2e-device";
    const call = (method: string, url: string, body: unknown) =>
      page.evaluate(
        async ({ method, url, body }) => {
          const res = await fetch(url, {
            method,
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        },
        { method, url, body },
      );
    expect(await call("POST", "/api/push", { endpoint, keys: { p256dh: key, auth }, topics: ["talk"] })).toEqual({
      status: 200,
      body: { ok: true, topics: ["talk"], discreet: true },
    });
    expect(await call("POST", "/api/push/status", { endpoint })).toEqual({
      status: 200,
      body: { ok: true, status: { topics: ["talk"], discreet: true } },
    });
    expect(
      await call("POST", "/api/push", {
        endpoint: "http://push.example.org/x",
        keys: { p256dh: key, auth },
        topics: [],
      }),
    ).toEqual({
      status: 400,
      body: { ok: false, code: "invalid", message: "The push address must be an https:// URL" },
    });
    expect(await call("DELETE", "/api/push", { endpoint })).toEqual({ status: 200, body: { ok: true } });
    expect(await call("POST", "/api/push/status", { endpoint })).toEqual({
      status: 200,
      body: { ok: true, status: null },
    });

    // Someone with no nickname or account cannot store one.
    const stranger = await context.browser()!.newContext();
    const res = await stranger.request.post(`${app.url}/api/push`, {
      data: { endpoint, keys: { p256dh: key, auth }, topics: ["talk"] },
    });
    expect(res.status()).toBe(403);
    await stranger.close();
  });
});
