import { client, type Client, type Db } from "../client.js";

/**
 * The Prisma client behind a handle, for tests only: they seed rows a use case
 * cannot make on its own and read rows back to check them. It is still a `Db`,
 * so it passes to use cases as it is. Apps cannot reach it: it lives in
 * `@offshift/db/testing`, never in the package's main entrance.
 */
export type TestPrisma = Client;

/** The Prisma client behind `db` (tests only; see `TestPrisma`). */
export function testPrisma(db: Db): TestPrisma {
  return client(db);
}
