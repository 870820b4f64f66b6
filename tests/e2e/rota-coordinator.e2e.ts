import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { rotaWeek } from "@offshift/core";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";

const dataDir = tempDir("rota-coord");
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;

// Next week (the demo rota is filled for the coming 7 days only, so next week has gaps).
const nextWeek = rotaWeek(null, new Date(Date.now() + 7 * 86_400_000), "Europe/London").monday;

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

async function signIn(email: string): Promise<Page> {
  const page = await signInByLink(await browser.newContext(), app.url, smtp, email);
  return page;
}

const slotsOf = (page: Page, name: string) => page.locator("[data-testid=rota-slot]").filter({ hasText: name });

describe("the coordinator's rota", () => {
  it("templates from the builder, a week view with coverage, gaps with reasons, and auto-fill preview/apply", async () => {
    const priya = await signIn("priya@offshift.example");
    await priya.goto(`${app.url}/coordinator`);
    await priya.getByRole("link", { name: "Rota templates" }).click();
    await priya.waitForURL(`${app.url}/coordinator/rota/templates`);
    const templatesBefore = await priya.getByTestId("rota-template").count();
    expect(templatesBefore).toBe(3);

    // Bad input first: HTML in the name and fewer "most" than "fewest". Nothing is saved.
    await priya.getByRole("link", { name: "New template" }).click();
    await priya.getByLabel("Name", { exact: true }).fill("<b>Night owl</b>");
    await priya.getByLabel("At", { exact: true }).fill("23:00");
    await priya.getByLabel("Length in minutes").fill("120");
    await priya.getByLabel("Fewest volunteers needed").fill("3");
    await priya.getByLabel("Most volunteers").fill("2");
    await priya.getByRole("button", { name: "Create template" }).click();
    await priya.getByTestId("form-errors").waitFor();
    expect(await priya.getByTestId("form-errors").textContent()).toContain("nothing was saved");
    expect(await priya.locator("#name-error").textContent()).toBe("The name cannot contain < or >");
    expect(await priya.locator("#maxVolunteers-error").textContent()).toBe(
      "The most volunteers cannot be fewer than the fewest",
    );
    expect(await seriousA11yViolations(priya)).toEqual([]);

    // Fixed: every day at 23:00 for two hours, one or two volunteers.
    await priya.getByLabel("Name", { exact: true }).fill("Talk line night owl");
    await priya.getByLabel("Every day").check();
    await priya.getByLabel("Fewest volunteers needed").fill("1");
    await priya.getByLabel("Most volunteers").fill("2");
    await priya.getByRole("button", { name: "Create template" }).click();
    await priya.waitForURL(/\/coordinator\/rota\/templates\?created=\d+$/);
    expect(await priya.locator("p.notice").textContent()).toMatch(/Template saved: 2[78] slots made/);
    expect(await priya.getByTestId("rota-template").count()).toBe(templatesBefore + 1);
    expect(await priya.getByTestId("rota-template").filter({ hasText: "Talk line night owl" }).textContent()).toContain(
      "Every day, 23:00 to 01:00",
    );

    // The week view: next week, one night-owl slot a day, coverage in words.
    await priya.goto(`${app.url}/coordinator/rota?week=${nextWeek}`);
    expect(await priya.getByTestId("rota-day").count()).toBe(7);
    expect(await slotsOf(priya, "Talk line night owl").count()).toBe(7);
    const owl = slotsOf(priya, "Talk line night owl").first();
    expect(await owl.getAttribute("data-coverage")).toBe("gap");
    expect(await owl.getByTestId("coverage").textContent()).toMatch(/0 of 1 · needs 1 more/);
    expect(await owl.locator("time").textContent()).toBe("23:00 to 01:00");
    const gapsBefore = await priya.locator("[data-testid=rota-slot][data-coverage=gap]").count();
    expect(gapsBefore).toBeGreaterThan(7);
    expect(await seriousA11yViolations(priya)).toEqual([]);
    await priya.emulateMedia({ colorScheme: "dark" });
    await priya.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
    expect(await seriousA11yViolations(priya)).toEqual([]);
    await priya.evaluate(() => document.documentElement.removeAttribute("data-theme"));

    // Gaps with their reasons.
    await priya.getByRole("link", { name: "Gaps and auto-fill" }).click();
    await priya.waitForURL(`${app.url}/coordinator/rota/gaps?week=${nextWeek}`);
    // Dates as every other page writes them ("23 November"), not "2026-11-23".
    const mondayLabel = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" }).format(
      new Date(`${nextWeek}T12:00:00Z`),
    );
    expect(await priya.locator("#gaps-h").textContent()).toBe(`Gaps in the week of ${mondayLabel}`);
    const gaps = priya.getByTestId("gap");
    expect(await gaps.count()).toBeGreaterThan(7);
    const reasons = await priya.getByTestId("gap-reasons").allTextContents();
    expect(reasons.every((r) => /^\d+ volunteers? /.test(r))).toBe(true);
    expect(reasons.join(" ")).toMatch(/working|just off|starting|at weekly max|available|late-night/);
    expect(await seriousA11yViolations(priya)).toEqual([]);

    // Preview: proposals with who and when, and the gaps that would remain.
    await priya.getByRole("button", { name: "Preview auto-fill" }).click();
    await priya.getByTestId("preview").waitFor();
    const proposals = priya.getByTestId("proposal");
    const proposed = await proposals.count();
    expect(proposed).toBeGreaterThan(0);
    expect(await proposals.first().textContent()).toMatch(
      /^\s*(Maria|Dev|Kwame|Agnieszka|Sam) on .+, \w{3} \d+ \w{3}, \d\d:\d\d to \d\d:\d\d/,
    );
    const keys = await priya
      .locator("[data-testid=apply-form] input[name=proposal]")
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect(keys).toHaveLength(proposed);
    expect(await seriousA11yViolations(priya)).toEqual([]);

    // Apply.
    await priya.getByRole("button", { name: /^Apply \d+ proposals?$/ }).click();
    await priya.getByTestId("apply-result").waitFor();
    expect(await priya.getByTestId("apply-result").textContent()).toBe(`Applied ${proposed}, skipped 0.`);

    // Applying the same proposals again (a double tap, or back and resubmit) adds nothing.
    const again = await priya.evaluate(
      async ({ keys, week }) => {
        const body = new FormData();
        for (const k of keys) body.append("proposal", k);
        const r = await fetch(`/coordinator/rota/gaps?week=${week}&/apply`, {
          method: "POST",
          body,
          headers: { "x-sveltekit-action": "true", accept: "application/json" },
        });
        return r.text();
      },
      { keys, week: nextWeek },
    );
    expect(again).toContain("Applied 0, skipped");
    expect(again).toContain(`${proposed} just filled`);
    await priya.getByRole("button", { name: "Preview auto-fill" }).click();
    await priya.getByTestId("no-proposals").waitFor();

    // The week view shows the filled slots, with first names.
    await priya.goto(`${app.url}/coordinator/rota?week=${nextWeek}`);
    const gapsAfter = await priya.locator("[data-testid=rota-slot][data-coverage=gap]").count();
    expect(gapsAfter).toBeLessThan(gapsBefore);
    const named = await priya.getByTestId("slot-volunteers").allTextContents();
    expect(named.join(", ")).toMatch(/Maria|Dev|Kwame|Agnieszka|Sam/);
    expect(await seriousA11yViolations(priya)).toEqual([]);
  });

  it("default limits are validated and saved", async () => {
    const priya = await signIn("priya@offshift.example");
    await priya.goto(`${app.url}/coordinator/rota/defaults`);
    expect(await priya.getByLabel(/^Break after a work shift/).inputValue()).toBe("45");
    expect(await priya.getByLabel(/^Rest between a slot/).inputValue()).toBe("480");
    await priya.getByLabel(/^Break after a work shift/).fill("5");
    await priya.getByRole("button", { name: "Save defaults" }).click();
    await priya.locator("#bufferAfterWorkMinutes-error").waitFor();
    expect(await priya.locator("#bufferAfterWorkMinutes-error").textContent()).toContain("between 15 and 240");
    await priya.reload();
    expect(await priya.getByLabel(/^Break after a work shift/).inputValue()).toBe("45");
    await priya.getByLabel(/^Break after a work shift/).fill("60");
    await priya.getByRole("button", { name: "Save defaults" }).click();
    await priya.getByText("Saved.").waitFor();
    await priya.reload();
    expect(await priya.getByLabel(/^Break after a work shift/).inputValue()).toBe("60");
    expect(await seriousA11yViolations(priya)).toEqual([]);
  });
});
