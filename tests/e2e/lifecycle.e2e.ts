import { afterAll, describe, expect, it } from "vitest";
import { alive, descendants, removeDir, startApp, tempDir } from "../support/app.js";
import { launchBrowser } from "../support/browser.js";

const dataDir = tempDir("lifecycle");
afterAll(() => removeDir(dataDir));

describe("restart and shutdown", () => {
  it("keeps data across a restart, seeds only once, and SIGTERM leaves no process behind", async () => {
    const browser = await launchBrowser();
    try {
      const first = await startApp({ DATA_DIR: dataDir });
      const page = await browser.newPage();
      await page.goto(first.url);
      // The first "Just offload" still taking people, pinned by its id (whatever the time of day).
      const occurrenceId = await page
        .locator("[data-testid=session-card]")
        .filter({ hasText: "Just offload" })
        .filter({ has: page.getByRole("link", { name: "Count me in" }) })
        .first()
        .getAttribute("data-occurrence-id");
      const card = page.locator(`[data-testid=session-card][data-occurrence-id="${occurrenceId}"]`);
      // One count per person: a nickname first, then back to Tonight to count in.
      await card.getByRole("link", { name: "Count me in" }).click();
      await page.waitForURL(/\/join/);
      await page.getByLabel("Nickname").fill("Night Owl");
      await page.getByLabel(/I agree to the group agreement/).check();
      await page.getByRole("button", { name: "Join" }).click();
      await page.waitForURL(first.url + "/");
      await card.getByRole("button", { name: "Count me in" }).click();
      await expect.poll(() => card.getByTestId("planning-count").textContent()).toContain("1 person plans");
      await page.close();

      const tree = descendants(first.process.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(4); // web, realtime, database owner, postgres
      expect(await first.stop("SIGTERM")).toBe(0);
      const survivors = tree.filter(alive);
      expect(survivors).toEqual([]);

      const second = await startApp({ DATA_DIR: dataDir });
      try {
        expect(second.output()).toContain("Started embedded PostgreSQL");
        expect(second.output()).not.toContain("Added demo data");
        const again = await browser.newPage(); // a new browser context: no cookie from before
        await again.goto(second.url);
        const count = again.locator(`[data-occurrence-id="${occurrenceId}"] [data-testid=planning-count]`);
        expect(await count.textContent()).toContain("1 person plans");
      } finally {
        const tree2 = descendants(second.process.pid!);
        expect(await second.stop("SIGINT")).toBe(0);
        expect(tree2.filter(alive)).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  });
});
