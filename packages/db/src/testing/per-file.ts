import { afterAll, beforeAll, inject } from "vitest";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "./prisma.js";
import { createTestDatabase } from "./index.js";

/**
 * A fresh database for one test file, cloned from the run's migrated template
 * before its tests and dropped after them, with every client made through
 * `client()` disconnected first. Call at the top level of the file; its
 * hooks are registered first, so the file's own `beforeAll` can use clients
 * and its own `afterAll` runs while they are still connected.
 */
export function useTestDatabase(name: string, options: { maxConnections?: number } = {}) {
  const clients: TestPrisma[] = [];
  let url: string | undefined;
  let drop = async () => {};
  beforeAll(async () => {
    const t = await createTestDatabase(inject("pgAdminUrl"), name);
    url = t.url;
    drop = t.drop;
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => closeDb(c)));
    await drop();
  });
  return {
    /** This file's database URL (only inside hooks and tests, once it exists). */
    url(): string {
      if (!url)
        throw new Error(`useTestDatabase("${name}"): the database is made in beforeAll; ask for its URL from there`);
      return url;
    },
    /**
     * A new client on this file's database (only inside hooks and tests, once it exists): the Prisma
     * client itself (see `TestPrisma`), so tests can seed and read rows, and a `Db` for use cases.
     */
    client(): TestPrisma {
      if (!url)
        throw new Error(`useTestDatabase("${name}"): the database is made in beforeAll; ask for clients from there`);
      const c = testPrisma(createDb(url, options));
      clients.push(c);
      return c;
    },
  };
}
