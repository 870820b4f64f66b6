import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { formatFloating, wallTimeAt } from "@offshift/core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";
import { LONDON, londonDay } from "../support/clock.js";

// A controllable clock: the app reads "now" from this file (NODE_ENV=test only).
const dataDir = tempDir("clock");
const clockFile = path.join(dataDir, "now.txt");

// Next week's Tuesday, in London.
const at = londonDay(2, 7);
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());
const tuesdayDate = formatFloating({ ...wallTimeAt(at(12, 0), LONDON), hour: 0, minute: 0 }).slice(0, 10);

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
let sessionUrl: string;

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
    const facilitator = await signIn("maria@offshift.example");
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
    // One tap: straight to the room, via a nickname for someone new.
    await soon.getByTestId("join").click();
    await worker.waitForURL(/\/join\?next=/);
    await worker.getByLabel("Nickname").fill("Night Owl");
    await worker.getByLabel(/I agree to the group agreement/).check();
    await worker.getByRole("button", { name: "Join" }).click();
    await worker.waitForURL(/\/sessions\/[0-9a-f-]{36}\/room(\?from=tonight)?$/);
    expect(await worker.getByRole("heading", { name: "Before you join" }).count()).toBe(1);
    expect(await seriousA11yViolations(worker)).toEqual([]);
    sessionUrl = worker.url().replace(/\/room(\?.*)?$/, "");
    await worker.goto(sessionUrl);
    expect(await worker.getByTestId("lobby-status").textContent()).toContain("You're in the lobby as Night Owl");

    // Thursday is listed for the week; cancelling it removes it from the open page.
    await worker.goto(app.url);
    await expect.poll(() => worker.getByTestId("connection-status").textContent()).toContain("Live");
    const thursdayStart = at(22, 0, 2).toISOString();
    const thursday = worker
      .locator(`[data-testid=session-card]:has(time[datetime="${thursdayStart}"])`)
      .filter({ hasText: "Tuesday late check-in" });
    expect(await thursday.count()).toBe(1);
    await facilitator.reload();
    const row = facilitator
      .locator("[data-testid=my-series]")
      .filter({ hasText: "Tuesday late check-in" })
      .locator(`[data-testid=my-occurrence]:has(time[datetime="${thursdayStart}"])`);
    await row.locator("summary").click();
    await row.getByRole("button", { name: /Cancel Tuesday late check-in/ }).click();
    await expect.poll(() => thursday.count(), { timeout: 10_000 }).toBe(0);
    expect(await card().count()).toBeGreaterThanOrEqual(1); // Tuesday itself is still there
  });

  it("the lobby is honest when the facilitator is late, and goes live when they open the room", async () => {
    setClock(at(21, 55));
    const ctx = await browser.newContext();
    const worker = await ctx.newPage();
    await worker.goto(sessionUrl);
    const status = worker.getByTestId("lobby-status");
    expect(await status.getAttribute("data-state")).toBe("lobby");
    // Capacity 12, but the built-in audio (no LiveKit here) carries six voices, two kept for those running it.
    expect(await worker.getByTestId("places-left").textContent()).toMatch(/^\d+ places? left of 4$/);
    await expect.poll(() => worker.getByTestId("connection-status").textContent()).toContain("Live");

    // 22:03 and nobody has opened the room: say so, and who has been told.
    setClock(at(22, 3));
    await worker.reload();
    expect(await status.getAttribute("data-state")).toBe("late");
    expect(await status.textContent()).toContain("Maria hasn't opened the room yet. We've let the coordinators know.");
    // No backup on this series, so realtime's job emails the coordinator (once), with a link to the session.
    const alert = await smtp.waitFor("priya@offshift.example", /^Room not opened: Tuesday late check-in$/);
    expect(alert.text).toContain(sessionUrl.replace(/^http:\/\/[^/]+/, ""));
    expect(await seriousA11yViolations(worker)).toEqual([]);
    await expect.poll(() => worker.getByTestId("connection-status").textContent()).toContain("Live");

    // Maria opens it; the worker's page changes by itself.
    const facilitator = await signIn("maria@offshift.example");
    await facilitator.goto(sessionUrl);
    await facilitator.getByTestId("open-room").click();
    await expect.poll(() => status.getAttribute("data-state"), { timeout: 10_000 }).toBe("open");
    expect(await status.textContent()).toContain("Maria has opened the room.");
    // Workers cannot open rooms.
    expect(await worker.getByTestId("open-room").count()).toBe(0);
    await ctx.close();
  });

  it("one tap from Tonight for a worker who has joined a room before: straight in, listening", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const worker = await ctx.newPage();
    const joinFromTonight = async () => {
      await worker.goto(app.url);
      await worker
        .locator(`[data-testid=session-card]:has(time[datetime="${at(22, 0).toISOString()}"])`)
        .filter({ hasText: "Tuesday late check-in" })
        .getByTestId("join")
        .click();
      await worker.waitForURL(/\/sessions\/[0-9a-f-]{36}\/room/);
    };
    await worker.goto(`${app.url}/join`);
    await worker.getByLabel("Nickname").fill("Returning Robin");
    await worker.getByLabel(/I agree to the group agreement/).check();
    await worker.getByRole("button", { name: "Join" }).click();
    await worker.waitForURL(`${app.url}/`);
    // The first time, what joining means comes first, and they choose.
    await joinFromTonight();
    expect(await worker.getByRole("heading", { name: "Before you join" }).count()).toBe(1);
    await worker.getByTestId("join-listen").click();
    await worker.getByTestId("leave").waitFor();
    expect(await worker.getByTestId("joined-listening").count()).toBe(0);
    await worker.getByTestId("leave").click();
    await worker.getByTestId("room-outcome").waitFor();

    // The next time, Join on Tonight is the only tap: in the room, listening and muted, told so.
    await joinFromTonight();
    await worker.getByTestId("leave").waitFor();
    expect(await worker.getByRole("heading", { name: "Before you join" }).count()).toBe(0);
    expect(await worker.getByTestId("joined-listening").textContent()).toContain(
      "You're in as Returning Robin, listening and muted.",
    );
    expect(await worker.getByTestId("mute").textContent()).toBe("Unmute");
    expect(worker.url()).toMatch(/\/room$/); // a reload shows the choice again rather than joining by itself
    if (process.env.OFFSHIFT_SCREENSHOTS_DIR)
      await worker.screenshot({ path: path.join(process.env.OFFSHIFT_SCREENSHOTS_DIR, "room-one-tap-360.png") });
    expect(await seriousA11yViolations(worker)).toEqual([]);
    await worker.getByTestId("leave").click();
    await worker.getByTestId("room-outcome").waitFor();
    await ctx.close();
  });

  it("edits a series for future sessions only, and moves or hands over one session", async () => {
    const facilitator = await signIn("maria@offshift.example");
    await facilitator.goto(`${app.url}/facilitator`);
    const series = facilitator.locator("[data-testid=my-series]").filter({ hasText: "Tuesday late check-in" });
    await series.getByRole("link", { name: "Change series" }).click();
    // The form starts from what is stored.
    expect(await facilitator.getByLabel("Tue", { exact: true }).isChecked()).toBe(true);
    expect(await facilitator.getByLabel("Thu", { exact: true }).isChecked()).toBe(true);
    expect(await facilitator.getByLabel("At", { exact: true }).inputValue()).toBe("22:00");
    // Bad input: nothing saved, the typed values stay.
    await facilitator.getByLabel("Title").fill("<i>Late</i>");
    await facilitator.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => facilitator.locator("#title-error").textContent()).toContain("cannot contain < or >");
    expect(await facilitator.getByLabel("Title").inputValue()).toBe("<i>Late</i>");
    await facilitator.getByLabel("Title").fill("Late-shift check-in");
    await facilitator.getByRole("button", { name: "Save changes" }).click();
    await facilitator.waitForURL(`${app.url}/facilitator?updated`);

    // Tonight's session has started: it keeps its title. Next week's has the new one.
    const worker = await (await browser.newContext()).newPage();
    await worker.goto(sessionUrl);
    expect(await worker.locator("h1").textContent()).toBe("Tuesday late check-in");
    await worker.goto(app.url);
    const nextTuesday = worker.locator(
      `[data-testid=session-card]:has(time[datetime="${at(22, 0, 7).toISOString()}"])`,
    );
    expect(await nextTuesday.filter({ hasText: "Late-shift check-in" }).count()).toBe(1);

    // Move next Tuesday to 19:00; hand it to Dev, who is free then.
    await facilitator.goto(`${app.url}/facilitator`);
    const row = (iso: string) =>
      facilitator
        .locator("[data-testid=my-series]")
        .filter({ hasText: "Late-shift check-in" })
        .locator(`[data-testid=my-occurrence]:has(time[datetime="${iso}"])`);
    const tue = row(at(22, 0, 7).toISOString());
    await tue.locator("summary").click();
    const nextTuesdayDate = at(12, 0, 7).toISOString().slice(0, 10);
    await tue.getByLabel("New start").fill(`${nextTuesdayDate}T19:00`);
    await tue.getByRole("button", { name: "Move" }).click();
    const moved = row(at(19, 0, 7).toISOString());
    await expect.poll(() => moved.count()).toBe(1);
    expect(await moved.textContent()).toContain("moved");
    // The same row, re-rendered in place: its "Change this one" panel is still open.
    expect(await moved.locator("details").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await moved.getByLabel("Facilitator").selectOption({ label: "Dev Patel" });
    await moved.getByRole("button", { name: "Hand over" }).click();
    await expect.poll(() => moved.textContent()).toContain("with Dev");

    // Next Thursday Dev is already running "After a death" at 21:30: refused, nothing changes.
    const thu = row(at(22, 0, 9).toISOString());
    await thu.locator("summary").click();
    await thu.getByLabel("Facilitator").selectOption({ label: "Dev Patel" });
    await thu.getByRole("button", { name: "Hand over" }).click();
    await expect.poll(() => thu.getByRole("alert").textContent()).toContain("already running a session then");
    await facilitator.reload();
    expect(await row(at(22, 0, 9).toISOString()).textContent()).not.toContain("with Dev");
    expect(await seriousA11yViolations(facilitator)).toEqual([]);
  });
});

/** Maria, signed in once for the later tests (sign-in requests are rate limited per address). */
let maria: Page | undefined;
async function signIn(email: string) {
  if (email === "maria@offshift.example" && maria) return maria;
  const page = await signInByLink(await browser.newContext(), app.url, smtp, email);
  if (email === "maria@offshift.example") maria = page;
  return page;
}
