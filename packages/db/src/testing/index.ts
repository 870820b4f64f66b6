/**
 * Test support: one embedded PostgreSQL per test run (started by a Vitest
 * globalSetup), a template database migrated once with `prisma migrate
 * deploy`, and a fresh database cloned from it per test file, so test files
 * run in parallel without seeing each other's rows.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { migrateDeploy, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import type {} from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Maintenance-database URL of the run's PostgreSQL (see global-setup). */
    pgAdminUrl: string;
  }
}

export const TEMPLATE_DB = "offshift_template";

export interface TestCluster {
  /** URL of the maintenance database on the test server. */
  adminUrl: string;
  handle: EmbeddedPostgresHandle;
  stop(): Promise<void>;
}

/** Starts a throwaway server and prepares the migrated template database. */
export async function startTestCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), "offshift-test-pg-"));
  const handle = await startEmbeddedPostgres({ dataDir: dir, port: 0, database: TEMPLATE_DB });
  await migrateDeploy(handle.url);
  const adminUrl = withDatabase(handle.url, "postgres");
  return {
    adminUrl,
    handle,
    async stop() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new, migrated, empty database for one test file. */
export async function createTestDatabase(
  adminUrl: string,
  label = "t",
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${label
    .replace(/[^a-z0-9_]/gi, "_")
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${TEMPLATE_DB}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
export { liveKitServerForTests, prepareTestLiveKit, type TestLiveKit } from "./livekit.js";
export { testPrisma, type TestPrisma } from "./prisma.js";
