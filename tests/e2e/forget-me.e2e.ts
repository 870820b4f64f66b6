import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { Browser, BrowserContext } from "playwright-core";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";

// "Forget me on this device", as a guest on a phone meets it: with the page's
// scripts and without them. An external database so the test can look at every table.
const pgDir = tempDir("forget-pg");
const dataDir = tempDir("forget-app");
let database: EmbeddedPostgresHandle;
let app: RunningApp;
let browser: Browser;
let sql: pg.Client;

beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_forget" });
  app = await startApp({ DATABASE_URL: database.url, DATA_DIR: dataDir });
  browser = await launchBrowser();
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await browser?.close();
  await app?.stop();
  await database?.stop();
  removeDir(pgDir);
  removeDir(dataDir);
});

const phone = () => browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
const guestCookie = async (context: BrowserContext) =>
  (await context.cookies()).find((c) => c.name === "offshift_guest");

/** Tables with any row whose text mentions `needle`. */
async function tablesMentioning(needle: string): Promise<string[]> {
  const { rows } = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
  );
  const found: string[] = [];
  for (const { table_name } of rows) {
    const r = await sql.query(`SELECT 1 FROM "${table_name}" t WHERE t::text ILIKE $1 LIMIT 1`, [`%${needle}%`]);
    if (r.rowCount) found.push(table_name);
  }
  return found;
}

async function join(context: BrowserContext, nickname: string) {
  const page = await context.newPage();
  await page.goto(`${app.url}/talk`);
  await page.waitForURL(/\/join/);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByLabel("I agree to the one-to-one agreement").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${app.url}/talk`);
  const { rows } = await sql.query<{ id: string }>(`SELECT "id" FROM "Guest" WHERE "nickname" = $1`, [nickname]);
  expect(rows).toHaveLength(1);
  return { page, guestId: rows[0]!.id };
}

describe("forget me on this device", () => {
  it("a guest waiting to talk is forgotten: every row about them goes, the request still counts, the cookie is cleared", async () => {
    const context = await phone();
    const { page, guestId } = await join(context, "Moonlit Heron");
    await page.getByTestId("talk-request").click();
    await page.getByTestId("talk-waiting").waitFor();
    const waiting = await sql.query(
      `SELECT 1 FROM "TalkRequest" WHERE "requesterGuestId" = $1 AND "status" = 'WAITING'`,
      [guestId],
    );
    expect(waiting.rowCount).toBe(1);
    const requestsBefore = (await sql.query(`SELECT count(*)::int AS n FROM "TalkRequest"`)).rows[0].n as number;

    // What the room page keeps on the device (that it has been in a room before) goes too.
    await page.evaluate(() => localStorage.setItem("offshift:joined-a-room", "1"));
    await page.getByRole("link", { name: "Forget me on this device" }).click();
    await page.waitForURL(`${app.url}/forget`);
    expect(await page.locator("main").innerText()).toContain("You're using Offshift as Moonlit Heron");
    expect(await seriousA11yViolations(page)).toEqual([]);
    const button = page.getByRole("button", { name: "Yes, forget me" });
    // A big target on a phone.
    expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(48);
    await button.click();

    await page.waitForURL(`${app.url}/forget/done`);
    expect(await page.getByTestId("forgotten").textContent()).toContain("you've been forgotten");
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await guestCookie(context)).toBeUndefined();
    await expect.poll(() => page.evaluate(() => localStorage.getItem("offshift:joined-a-room"))).toBeNull();
    expect(await tablesMentioning(guestId)).toEqual([]);
    expect(await tablesMentioning("Moonlit Heron")).toEqual([]);
    // The request is closed but still counted (coordinators' numbers stay true), naming nobody.
    const after = await sql.query<{ n: number; gone: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE "requesterGuestId" IS NULL AND "requesterPersonId" IS NULL AND "status" = 'CANCELLED')::int AS gone FROM "TalkRequest"`,
    );
    expect(after.rows[0]).toEqual({ n: requestsBefore, gone: 1 });

    // This device no longer knows them: asking to talk starts again with a nickname.
    await page.goto(`${app.url}/talk`);
    await page.waitForURL(/\/join/);
    expect(await page.getByLabel("Nickname").count()).toBe(1);
    await context.close();
  });

  it("works without the page's scripts, and says plainly when there is nothing to forget", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
    const { page, guestId } = await join(context, "Quiet Lantern");
    expect(await guestCookie(context)).toBeDefined();
    // A post that did not press the button (no confirmation, or any other answer) is refused, and nothing goes.
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    for (const body of [new URLSearchParams(), new URLSearchParams({ confirm: "no" })]) {
      const refused = await fetch(`${app.url}/forget`, {
        method: "POST",
        body,
        headers: {
          "x-sveltekit-action": "true",
          "content-type": "application/x-www-form-urlencoded",
          origin: app.url,
          cookie,
        },
      });
      const answer = (await refused.json()) as { type: string; status: number; data?: string };
      expect(answer).toMatchObject({ type: "failure", status: 400 });
      expect(answer.data).toContain("Press “Yes, forget me” to confirm.");
      expect((await sql.query(`SELECT 1 FROM "Guest" WHERE "id" = $1`, [guestId])).rowCount).toBe(1);
    }
    await page.goto(`${app.url}/forget`);
    await page.getByRole("button", { name: "Yes, forget me" }).click();
    await page.waitForURL(`${app.url}/forget/done`);
    expect(await guestCookie(context)).toBeUndefined();
    expect((await sql.query(`SELECT 1 FROM "Guest" WHERE "id" = $1`, [guestId])).rowCount).toBe(0);

    await page.goto(`${app.url}/forget`);
    expect(await page.locator("main").innerText()).toContain("There's nothing saved about you on this device.");
    // A post without a guest (a second tab, a replay) changes nothing and says why.
    const guests = (await sql.query(`SELECT count(*)::int AS n FROM "Guest"`)).rows[0].n as number;
    const res = await fetch(`${app.url}/forget`, {
      method: "POST",
      body: new URLSearchParams({ confirm: "yes" }),
      headers: { "x-sveltekit-action": "true", "content-type": "application/x-www-form-urlencoded", origin: app.url },
    });
    const answer = (await res.json()) as { type: string; status: number; data?: string };
    expect(answer).toMatchObject({ type: "failure", status: 400 });
    expect(answer.data).toContain("There is nothing to forget on this device.");
    expect((await sql.query(`SELECT count(*)::int AS n FROM "Guest"`)).rows[0].n).toBe(guests);
    await context.close();
  });
});
