import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ICAL from "ical.js";
import type { Browser, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";
import { londonDay } from "../support/clock.js";

const dataDir = tempDir("rota-volunteer");

// The Thursday 8 to 14 days ahead (beyond the demo's auto-filled first week), in London.
const at = londonDay(4, 8);

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
let dev: Page;

beforeAll(async () => {
  smtp = await startSmtpSink();
  app = await startApp({ DATA_DIR: dataDir, SMTP_URL: smtp.url });
  browser = await launchBrowser();
  dev = await signIn("dev@offshift.example");
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

async function signIn(email: string): Promise<Page> {
  const page = await signInByLink(await browser.newContext(), app.url, smtp, email);
  await page.waitForURL(/\/volunteer$/);
  return page;
}

describe("volunteer rota", () => {
  it("refuses a bad work pattern and bad limits with clear errors, saving nothing", async () => {
    await dev.getByRole("link", { name: "Your work pattern" }).click();
    await dev.waitForURL(/\/volunteer\/pattern$/);
    // Starts from the stored pattern: the demo's lates Monday to Wednesday.
    expect(await dev.getByLabel("Monday, week 1", { exact: true }).inputValue()).toBe("late");
    expect(await dev.getByLabel("Friday, week 1", { exact: true }).inputValue()).toBe("");

    // Overlapping shifts: a night on Friday and a 06:00 early on Saturday.
    await dev.getByLabel("Friday, week 1", { exact: true }).selectOption("night");
    await dev.getByLabel("Saturday, week 1", { exact: true }).selectOption("early");
    await dev.getByLabel("early Starts", { exact: true }).fill("06:00");
    await dev.getByRole("button", { name: "Save work pattern" }).click();
    await expect
      .poll(() => dev.locator("#day-1-SA-error").textContent())
      .toContain("The early on Saturday starts at 06:00, before the night on Friday ends at 07:00");
    expect(await dev.getByTestId("pattern-errors").textContent()).toContain("Nothing was saved");
    // Keyboard focus lands on what went wrong, not at the top of a new page.
    await expect
      .poll(() => dev.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("pattern-errors");
    expect(await seriousA11yViolations(dev)).toEqual([]);

    // A late ending before it starts, without "ends next day".
    await dev.getByLabel("Saturday, week 1", { exact: true }).selectOption("");
    await dev.getByLabel("late Ends", { exact: true }).fill("13:00");
    await dev.getByRole("button", { name: "Save work pattern" }).click();
    await expect
      .poll(() => dev.locator("#shift-1-part-0-end-error").textContent())
      .toContain('ends at 13:00, before it starts at 14:00; for a shift across midnight choose "ends next day"');

    // Nothing was saved.
    await dev.goto(`${app.url}/volunteer/pattern`);
    expect(await dev.getByLabel("Friday, week 1", { exact: true }).inputValue()).toBe("");
    expect(await dev.getByLabel("late Ends", { exact: true }).inputValue()).toBe("22:00");

    // Limits out of range.
    await dev.goto(`${app.url}/volunteer/preferences`);
    expect(await dev.locator("#bufferAfterWorkMinutes-hint").textContent()).toContain("45 minutes");
    await dev.getByLabel("Most hours a week").fill("99");
    await dev.getByLabel("Rest between a slot and your next work shift (hours)").fill("2");
    await dev.getByLabel("Rest after a late or night shift (hours)").fill("20");
    await dev.getByRole("button", { name: "Save preferences" }).click();
    await expect
      .poll(() => dev.locator("#maxHoursPerWeek-error").textContent())
      .toBe("The most hours a week must be between 0 and 60");
    expect(await dev.locator("#minRestBeforeWorkHours-error").textContent()).toBe(
      "The rest before work must be between 4 and 16 hours",
    );
    expect(await dev.locator("#restAfterShiftHours-error").textContent()).toBe(
      "The rest after a late or night shift must be between 4 and 16 hours",
    );
    expect(await seriousA11yViolations(dev)).toEqual([]);
    await dev.goto(`${app.url}/volunteer/preferences`);
    expect(await dev.getByLabel("Most hours a week").inputValue()).toBe("");
  });

  it("lates Mon-Wed and nights Fri-Sat: only slots that fit, one-tap sign-up seen live elsewhere and in the feed", async () => {
    await dev.goto(`${app.url}/volunteer/pattern`);
    await dev.getByLabel("Friday, week 1", { exact: true }).selectOption("night");
    await dev.getByLabel("Saturday, week 1", { exact: true }).selectOption("night");
    await dev.getByRole("button", { name: "Save work pattern" }).click();
    await dev.waitForURL(/\/rota\?pattern=saved$/);
    expect(await dev.getByTestId("rota-status").textContent()).toContain("Work pattern saved");
    await dev.getByRole("button", { name: "Show 4 weeks" }).click();
    await dev.waitForURL(/weeks=4$/);

    const slot = (page: Page, start: Date) =>
      page.locator(`[data-testid=rota-slot]:has(time[datetime="${start.toISOString()}"])`);
    // Thursday's late slot does not fit: Dev runs "After a death" then (a drop-in is busy time, like a slot).
    const thursdayLate = slot(dev, at(21, 30)).filter({ hasText: "Talk line late" });
    expect(await thursdayLate.getAttribute("data-fits")).toBe("false");
    expect(await thursdayLate.getByTestId("reasons").textContent()).toContain(
      'already on the drop-in "After a death" at 21:30',
    );
    // Thursday's split-shift gap fits; Friday's late does not (a night from 22:00); nor Saturday's early (a night until 07:00).
    const thursdayGap = slot(dev, at(13, 0)).filter({ hasText: "Split-shift gap" });
    expect(await thursdayGap.getAttribute("data-fits")).toBe("true");
    const fridayLate = slot(dev, at(21, 30, 1)).filter({ hasText: "Talk line late" });
    expect(await fridayLate.getAttribute("data-fits")).toBe("false");
    expect(await fridayLate.getByTestId("reasons").textContent()).toContain("working a night from 22:00");
    expect(await fridayLate.getByRole("button", { name: /Sign up/ }).count()).toBe(0);
    const saturdayEarly = slot(dev, at(6, 30, 2)).filter({ hasText: "Talk line early" });
    expect(await saturdayEarly.getAttribute("data-fits")).toBe("false");
    expect(await saturdayEarly.getByTestId("reasons").textContent()).toContain("working a night until 07:00");
    // Wednesday's split-shift gap at 13:00 runs into the 14:00 late.
    const wednesdayGap = slot(dev, at(13, 0, -1)).filter({ hasText: "Split-shift gap" });
    expect(await wednesdayGap.getByTestId("reasons").textContent()).toContain("working a late from 14:00");
    // Rota notifications for this device are offered in plain words, saying they keep to quiet hours.
    const push = dev.getByTestId("push-rota");
    await push.waitFor();
    expect(await push.getAttribute("data-state")).toBe("off");
    expect(await push.getByTestId("push-on").textContent()).toBe(
      "Send rota reminders and cover requests to this device",
    );
    // Lates Mon-Wed and nights Fri-Sat: the page says when their quiet hours are, from the pattern.
    expect(await dev.getByTestId("quiet-hours").textContent()).toMatch(
      /(Quiet hours now, until [^(]+|Next quiet hours: [^(]+ to [^(]+) \(after your (late|night)\)\./,
    );
    expect(await seriousA11yViolations(dev)).toEqual([]);

    // Kwame has the rota open in another browser.
    const kwame = await signIn("kwame@offshift.example");
    await kwame.goto(`${app.url}/rota`);
    await expect.poll(() => kwame.getByTestId("connection-status").textContent()).toContain("Live");
    await expect.poll(() => dev.getByTestId("connection-status").textContent()).toContain("Live");
    const slotId = (await thursdayGap.getAttribute("data-slot-id"))!;
    const kwamesView = kwame.locator(`[data-testid=rota-slot][data-slot-id="${slotId}"]`).getByTestId("places-left");
    expect(await kwamesView.textContent()).toBe("2 places left of 2");

    await thursdayGap.getByRole("button", { name: /^Sign up/ }).click();
    await expect.poll(() => dev.getByTestId("rota-status").textContent()).toContain("You're signed up");
    await expect.poll(() => thursdayGap.getByTestId("on-slot").count()).toBe(1);
    expect(await dev.locator(`[data-testid=my-shift][data-slot-id="${slotId}"]`).count()).toBe(1);
    // Kwame's page changes by itself.
    await expect.poll(() => kwamesView.textContent(), { timeout: 10_000 }).toBe("1 place left of 2");

    // The private calendar feed lists it.
    await dev.getByRole("button", { name: "Create link" }).click();
    const feedUrl = await dev.getByTestId("feed-url").inputValue();
    expect(feedUrl).toMatch(/\/rota\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
    const res = await fetch(feedUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/calendar");
    const comp = new ICAL.Component(ICAL.parse(await res.text()));
    ICAL.TimezoneService.register(comp.getFirstSubcomponent("vtimezone")!);
    const events = comp.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    const mine = events.filter((e) => e.summary === "Split-shift gap (Offshift rota)");
    expect(mine.map((e) => e.startDate.toJSDate().toISOString())).toContain(at(13, 0).toISOString());
    // Dev facilitates drop-ins in the demo: they are in the feed too.
    expect(events.some((e) => e.summary.startsWith("Facilitating: "))).toBe(true);

    // Replacing the link turns the old one off.
    await dev.getByRole("button", { name: "Replace link" }).click();
    await expect.poll(() => dev.getByTestId("feed-url").inputValue()).not.toBe(feedUrl);
    expect((await fetch(feedUrl)).status).toBe(404);
    expect((await fetch(`${app.url}/rota/feed/${"x".repeat(43)}.ics`)).status).toBe(404);
  });
});
