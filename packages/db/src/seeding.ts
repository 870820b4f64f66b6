/*
 * A second, narrow entrance for loading a fixed data set (the demo seed in
 * packages/demo): such a loader writes rows no use case makes on its own, so
 * it needs the Prisma client behind the handle. Apps never import this entry
 * (a lint rule keeps them to `@offshift/db`); tests use `@offshift/db/testing`.
 */
import { client, type Client, type Db } from "./client.js";

/** The Prisma client behind a handle, for data-set loaders only (see above). */
export type SeedingPrisma = Client;

/** The Prisma client behind `db`, for data-set loaders only (see above). */
export function seedingPrisma(db: Db): SeedingPrisma {
  return client(db);
}
