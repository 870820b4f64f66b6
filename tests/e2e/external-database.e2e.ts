import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir } from "../support/app.js";
import { launchBrowser } from "../support/browser.js";

const serverDir = tempDir("external-pg");
const appDataDir = tempDir("external-app");
let server: EmbeddedPostgresHandle | undefined;

afterAll(async () => {
  await server?.stop();
  removeDir(serverDir);
  removeDir(appDataDir);
});

describe("DATABASE_URL: an external PostgreSQL", () => {
  it("migrates, seeds and serves from a separately started server, and starts no database of its own", async () => {
    // Started separately from the app, the way a managed PostgreSQL would be.
    server = await startEmbeddedPostgres({ dataDir: serverDir, port: 0, database: "offshift_external" });
    const app = await startApp({ DATABASE_URL: server.url, DATA_DIR: appDataDir });
    const browser = await launchBrowser();
    try {
      expect(app.output()).toContain("Using PostgreSQL at postgresql://postgres:****@127.0.0.1");
      expect(app.output()).not.toContain("embedded PostgreSQL");
      expect(existsSync(path.join(appDataDir, "pg"))).toBe(false);

      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ n: string }>('select count(*)::text as n from "DropInSeries"');
      await client.end();
      expect(Number(rows[0]!.n)).toBeGreaterThan(0);

      const page = await browser.newPage();
      await page.goto(app.url);
      await expect.poll(() => page.getByTestId("connection-status").textContent()).toContain("Live");
      expect(await page.getByTestId("session-card").count()).toBeGreaterThan(3);
    } finally {
      await browser.close();
      expect(await app.stop()).toBe(0);
    }
    // The external server is not ours to stop.
    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    await check.end();
  });
});
