import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";

export type Db = PrismaClient;

/** The client or an interactive transaction's client: what a query that may run inside a caller's transaction takes. */
export type DbOrTx = Db | Prisma.TransactionClient;

const pools = new WeakMap<Db, pg.Pool>();

/**
 * A Prisma client on the pg driver adapter (no native query engine). The
 * client runs on one `pg.Pool` that it owns; hot paths that need plain SQL
 * share that pool through `poolOf(db)` so a process holds one pool, sized once.
 */
export function createDb(databaseUrl: string, options: { maxConnections?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  // A connection lost while idle (the database restarted) leaves the pool and is replaced on next use;
  // queries that were running fail to their callers. Unheard, the pool's error would end the process.
  pool.on("error", () => undefined);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({ adapter });
  pools.set(db, pool);
  return db;
}

/**
 * The `pg.Pool` under a client made by `createDb`, for plain-SQL hot paths.
 * It is ended by `db.$disconnect()`; do not use it after that.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("poolOf: this client was not made by createDb");
  return pool;
}
/** Whether the database answers a trivial query within `timeoutMs` (readiness checks). */
export async function databaseAnswers(db: Db, timeoutMs = 2000): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.$queryRaw`select 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : "unknown" };
  } finally {
    clearTimeout(timer);
  }
}
