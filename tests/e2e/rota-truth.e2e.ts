import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";
import { londonDay } from "../support/clock.js";

// The volunteer's rota tells the truth after a change of work pattern (slots
// held that no longer fit) and before a sign-up that cannot be undone (inside
// the 48-hour drop notice). Dev, in the demo: lates Monday to Wednesday.
// A controllable clock walks through one week 8 to 14 days ahead.
const dataDir = tempDir("rota-truth");
const clockFile = path.join(dataDir, "now.txt");
/** Set to a folder to keep screenshots of each state at 360 px (100% and 200% text). */
const SHOTS = process.env.OFFSHIFT_SCREENSHOTS_DIR;

// The Monday 8 to 14 days ahead: past the demo's auto-filled first week, inside the slots made so far.
const onMonday = londonDay(1, 8);
const at = (plusDays: number, hour: number, minute: number) => onMonday(hour, minute, plusDays);
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
let dev: Page;

beforeAll(async () => {
  setClock(at(0, 10, 0));
  smtp = await startSmtpSink();
  app = await startApp({
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    NODE_ENV: "test",
    OFFSHIFT_TEST_CLOCK_FILE: clockFile,
  });
  browser = await launchBrowser();
  dev = await signIn("dev@offshift.example");
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

async function signIn(email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
  // Dark, as a volunteer up at night would have it (by day the app is light unless they choose).
  await context.addCookies([{ name: "offshift_theme", value: "dark", url: app.url }]);
  const page = await signInByLink(context, app.url, smtp, email);
  await page.waitForURL(/\/volunteer$/);
  return page;
}

/** A locator's text with runs of white space as one space (as it reads). */
const text = async (l: Locator) => ((await l.textContent()) ?? "").replace(/\s+/g, " ").trim();
const slot = (page: Page, name: string, start: Date): Locator =>
  page.locator(`[data-testid=rota-slot]:has(time[datetime="${start.toISOString()}"])`).filter({ hasText: name });
const myShift = (page: Page, start: Date): Locator =>
  page.locator(`[data-testid=my-shift]:has(time[datetime="${start.toISOString()}"])`);

/** Nothing wider than the phone, at 100% and 200% text; a screenshot of `what` in each when asked for. */
async function fitsThePhone(page: Page, name: string, what: Locator) {
  for (const size of ["100%", "200%"]) {
    await page.evaluate((s) => (document.documentElement.style.fontSize = s), size);
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
    expect(width.scroll, `${name} at ${size} text`).toBeLessThanOrEqual(width.inner);
    if (SHOTS) {
      await what.evaluate((el) => el.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: path.join(SHOTS, `${name}-${size === "100%" ? "1x" : "2x"}-text.png`) });
    }
  }
  await page.evaluate(() => (document.documentElement.style.fontSize = ""));
}

describe("slots a volunteer holds, after they change their work pattern", () => {
  const thursdayGap = at(3, 13, 0);
  const fridayLate = at(4, 21, 30);

  it("are flagged with the reason, taken out of 'Slots that fit', and can be dropped or covered", async () => {
    await dev.goto(`${app.url}/rota`);
    for (const [name, start] of [
      ["Split-shift gap", thursdayGap],
      ["Talk line late", fridayLate],
    ] as const) {
      await slot(dev, name, start)
        .getByRole("button", { name: /^Sign up/ })
        .click();
      await expect.poll(() => slot(dev, name, start).getByTestId("on-slot").count()).toBe(1);
    }
    expect(await dev.getByTestId("clash-summary").count()).toBe(0);

    // Dev now works a late on Thursday and a night on Friday.
    await dev.getByRole("link", { name: "Your work pattern" }).click();
    await dev.getByLabel("Thursday, week 1", { exact: true }).selectOption("late");
    await dev.getByLabel("Friday, week 1", { exact: true }).selectOption("night");
    await dev.getByRole("button", { name: "Save work pattern" }).click();
    await dev.waitForURL(/\/rota\?pattern=saved$/);

    // Not "the slots below fit around it": two of them do not.
    expect(await text(dev.getByTestId("rota-status"))).toBe("Work pattern saved.");
    expect(await text(dev.getByTestId("clash-summary"))).toContain("2 of your slots no longer fit around your work.");
    const thursday = myShift(dev, thursdayGap);
    expect(await text(thursday.getByTestId("clash"))).toContain("It clashes with your late, 14:00–22:00.");
    expect(await text(thursday.getByTestId("clash"))).toContain("You can drop it, or ask for cover");
    const friday = myShift(dev, fridayLate);
    expect(await text(friday.getByTestId("clash"))).toContain("It clashes with your night, 22:00–07:00.");
    // Neither is under "Slots that fit" as "You're on this one" any more; both say why under those that don't.
    for (const [name, start] of [
      ["Split-shift gap", thursdayGap],
      ["Talk line late", fridayLate],
    ] as const) {
      expect(await dev.getByTestId("slots-fit").locator(`time[datetime="${start.toISOString()}"]`).count()).toBe(0);
      expect(await slot(dev, name, start).getAttribute("data-fits")).toBe("false");
      expect(await text(slot(dev, name, start).getByTestId("reasons"))).toContain(
        "You're on this one, but it no longer fits",
      );
    }
    expect(await seriousA11yViolations(dev)).toEqual([]);
    await fitsThePhone(dev, "rota-clashes", dev.locator("h1"));

    // Dropped with days to go.
    await thursday.getByRole("button", { name: /^Drop/ }).click();
    await expect.poll(() => text(dev.getByTestId("rota-status"))).toContain("You've dropped that slot.");
    await expect.poll(() => myShift(dev, thursdayGap).count()).toBe(0);
    expect(await text(dev.getByTestId("clash-summary"))).toContain("1 of your slots no longer fits");

    // Friday morning: the late is hours away, too close to drop; cover is the way out.
    setClock(at(4, 10, 0));
    await dev.goto(`${app.url}/rota`);
    expect(await friday.getByRole("button", { name: /^Drop/ }).count()).toBe(0);
    expect(await text(friday.getByTestId("clash"))).toContain(
      "It starts within 48 hours, so it can't be dropped: ask for cover",
    );
    await friday.getByRole("button", { name: /^Ask for cover/ }).click();
    await expect.poll(() => text(dev.getByTestId("rota-status"))).toContain("We've asked volunteers");
    await expect.poll(() => text(friday)).toContain("You've asked for cover.");
    // Still flagged (it is still theirs until someone takes it).
    expect(await friday.getByTestId("clash").count()).toBe(1);
    expect(await seriousA11yViolations(dev)).toEqual([]);
    await fitsThePhone(dev, "rota-clash-inside-notice", friday);
  });
});

describe("signing up for a slot inside the drop notice", () => {
  // Friday 10:00 (the clock from above): Saturday's late is 35 h 30 min away, Sunday's early 44 h 30 min.
  const saturdayLate = at(5, 21, 30);
  const sundayEarly = at(6, 6, 30);

  it("warns that it cannot then be dropped, and signs up only once the volunteer says yes", async () => {
    expect(await slot(dev, "Talk line late", saturdayLate).getAttribute("data-fits")).toBe("true");
    const card = slot(dev, "Talk line late", saturdayLate);
    const places = await text(card.getByTestId("places-left"));
    await card.getByRole("button", { name: /^Sign up/ }).click();
    const confirm = card.getByTestId("signup-confirm");
    await expect
      .poll(() => text(confirm))
      .toContain(
        "This starts in 35 hours 30 minutes. Once you sign up you can't drop it — you'd need to ask for cover.",
      );
    // The warning takes the focus, and nothing is saved yet.
    await expect
      .poll(() => dev.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("signup-confirm");
    expect(await text(card.getByTestId("places-left"))).toBe(places);
    expect(await myShift(dev, saturdayLate).count()).toBe(0);
    expect(await seriousA11yViolations(dev)).toEqual([]);
    await fitsThePhone(dev, "rota-signup-confirm", card);

    // Changing their mind leaves it as it was.
    await confirm.getByRole("link", { name: "Not this one" }).click();
    await expect.poll(() => card.getByTestId("signup-confirm").count()).toBe(0);
    expect(await myShift(dev, saturdayLate).count()).toBe(0);

    await card.getByRole("button", { name: /^Sign up/ }).click();
    await card.getByRole("button", { name: /^Yes, sign me up/ }).click();
    await expect.poll(() => text(dev.getByTestId("rota-status"))).toContain("You're signed up");
    await expect.poll(() => card.getByTestId("on-slot").count()).toBe(1);
    // And, as warned, it cannot be dropped: only covered.
    const mine = myShift(dev, saturdayLate);
    expect(await mine.getByRole("button", { name: /^Drop/ }).count()).toBe(0);
    expect(await mine.getByRole("button", { name: /^Ask for cover/ }).count()).toBe(1);
  });

  it("works without JavaScript, as a confirm step the server insists on", async () => {
    const noJs = await (
      await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: 360, height: 740 },
        colorScheme: "dark",
        storageState: await dev.context().storageState(),
      })
    ).newPage();
    await noJs.goto(`${app.url}/rota`);
    const card = slot(noJs, "Talk line early", sundayEarly);
    const slotId = (await card.getAttribute("data-slot-id"))!;

    // Asked straight, the server refuses until the warning has been answered, and saves nothing.
    const ask = (form: Record<string, string>) =>
      noJs.request.post(`${app.url}/rota?/signUp`, {
        form,
        headers: { origin: app.url, accept: "application/json", "x-sveltekit-action": "true" },
      });
    const unconfirmed = (await (await ask({ slotId })).json()) as { type: string; status: number; data: string };
    expect(unconfirmed).toMatchObject({ type: "failure", status: 409 });
    expect(unconfirmed.data).toContain("This starts in 44 hours 30 minutes.");
    const odd = (await (await ask({ slotId, understood: "maybe" })).json()) as { status: number; data: string };
    expect(odd.status).toBe(400);
    expect(odd.data).toContain("To sign up, confirm you understand you can't drop this slot");
    await noJs.reload();
    expect(await myShift(noJs, sundayEarly).count()).toBe(0);

    // The page: Sign up, then the warning on the slot itself (the page comes back to it), then Yes.
    await card.getByRole("button", { name: /^Sign up/ }).click();
    await noJs.waitForURL(new RegExp(`#slot-${slotId}$`), { timeout: 15_000 });
    expect(await text(card.getByTestId("signup-confirm"))).toContain(
      "This starts in 44 hours 30 minutes. Once you sign up you can't drop it — you'd need to ask for cover.",
    );
    expect(await myShift(noJs, sundayEarly).count()).toBe(0);
    // (axe cannot run in a page without JavaScript; the same step was checked above.)
    // The browser itself scrolled to the slot (the fragment): this is what the volunteer sees.
    if (SHOTS) await noJs.screenshot({ path: path.join(SHOTS, "rota-signup-confirm-nojs.png") });
    await Promise.all([
      noJs.waitForEvent("load", { timeout: 15_000 }),
      card.getByRole("button", { name: /^Yes, sign me up/ }).click(),
    ]);
    expect(await text(noJs.getByTestId("rota-status"))).toContain("You're signed up");
    expect(await card.getByTestId("on-slot").count()).toBe(1);
    expect(await myShift(noJs, sundayEarly).getByRole("button", { name: /^Drop/ }).count()).toBe(0);

    // A slot with more than 48 hours to go (next Saturday's late) signs up in one step, as before.
    const nextSaturday = slot(noJs, "Talk line late", at(12, 21, 30));
    await Promise.all([
      noJs.waitForEvent("load", { timeout: 15_000 }),
      nextSaturday.getByRole("button", { name: /^Sign up/ }).click(),
    ]);
    expect(await text(noJs.getByTestId("rota-status"))).toContain("You're signed up");
    expect(await nextSaturday.getByTestId("on-slot").count()).toBe(1);
    expect(
      await myShift(noJs, at(12, 21, 30))
        .getByRole("button", { name: /^Drop/ })
        .count(),
    ).toBe(1);
  });
});
