import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { Pipelines, type Queryable } from "./pipeline.js";

declare const dbBrand: unique symbol;
declare const txBrand: unique symbol;

/**
 * An open connection to the database, as apps hold it: made by `createDb`,
 * passed to use cases and read models, ended by `closeDb`, and nothing else.
 * It is opaque on purpose (issue 17): the Prisma client behind it stays inside
 * this package, so no app can query a table itself.
 */
export interface Db {
  readonly [dbBrand]: "Db";
}

/** A transaction in progress, as a use case that runs inside its caller's transaction takes it. */
export interface Tx {
  readonly [txBrand]: "Tx";
}

/** The client or a transaction: what a query that may run inside a caller's transaction takes. */
export type DbOrTx = Db | Tx;

/*
 * Inside the package. `client(db)` is the one place a handle becomes the
 * Prisma client behind it. The client keeps the brand, so it is still accepted
 * wherever a `Db` is, and its interactive transactions hand out clients
 * branded `Tx`, so steps that run inside a caller's transaction keep composing.
 * None of these are exported from the package's entrance (index.ts).
 */

/** A transaction's Prisma client, branded. */
export type TxClient = Prisma.TransactionClient & Tx;

/** The Prisma client behind a `Db`. */
export type Client = Omit<PrismaClient, "$transaction"> &
  Db & {
    $transaction<R>(
      fn: (tx: TxClient) => Promise<R>,
      options?: { maxWait?: number; timeout?: number; isolationLevel?: Prisma.TransactionIsolationLevel },
    ): Promise<R>;
  };

/** The Prisma client behind a `Db` or a `Tx`. */
export type ClientOrTx = Client | TxClient;

/** The Prisma client behind a handle (package-internal: index.ts does not export it). */
export function client(db: Db): Client;
export function client(db: Tx): TxClient;
export function client(db: DbOrTx): ClientOrTx;
export function client(db: DbOrTx): ClientOrTx {
  return db as unknown as ClientOrTx;
}

const pools = new WeakMap<object, pg.Pool>();
const pipelines = new WeakMap<object, Pipelines>();

/**
 * A Prisma client on the pg driver adapter (no native query engine). The
 * client runs on one `pg.Pool` that it owns; hot paths that need plain SQL
 * share that pool through `poolOf(db)` so a process holds one pool, sized once.
 */
export function createDb(databaseUrl: string, options: { maxConnections?: number; pipelines?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  // A connection lost while idle (the database restarted) leaves the pool and is replaced on next use;
  // queries that were running fail to their callers. Unheard, the pool's error would end the process.
  pool.on("error", () => undefined);
  // The same for a connection lost while checked out between statements (a transaction's, a
  // stop's last query): its holder hears it as its own query failing, never as a process-ending error.
  pool.on("connect", (connection) => connection.on("error", () => undefined));
  // The pool is ended by closeDb, not by Prisma: Prisma's adapter, told to end it on $disconnect, forgets
  // it, and a query that comes in after (a socket's leave still in flight while a node stops) made a new,
  // unmanaged pool that nothing ended: its connections outlived the node and were cut off with the
  // database (found as an uncaught "terminating connection" in a test). Now such a query fails.
  const adapter = new PrismaPg(pool, { disposeExternalPool: false });
  const prisma = new PrismaClient({ adapter });
  pools.set(prisma, pool);
  pipelines.set(prisma, new Pipelines({ connectionString: databaseUrl }, options.pipelines ?? 2));
  return prisma as unknown as Db;
}

/** Ends a handle made by `createDb`: its connections close; it must not be used after. */
export async function closeDb(db: Db): Promise<void> {
  await Promise.all([client(db).$disconnect(), pipelines.get(db)?.end()]);
  const pool = pools.get(db);
  if (pool && !pool.ending) await pool.end();
}

/**
 * The `pg.Pool` under a client made by `createDb`, for plain-SQL hot paths
 * (package-internal). It is ended by `closeDb(db)`; do not use it after that.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("poolOf: this client was not made by createDb");
  return pool;
}

/**
 * The pipelined connections beside the pool (see pipeline.ts), for the
 * realtime hot path's short single statements (package-internal). Ended by `closeDb(db)`.
 */
export function hotPathOf(db: Db): Queryable {
  const pipeline = pipelines.get(db);
  if (!pipeline) throw new Error("hotPathOf: this client was not made by createDb");
  return pipeline;
}

/** Whether the database answers a trivial query within `timeoutMs` (readiness checks). */
export async function databaseAnswers(db: Db, timeoutMs = 2000): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client(db).$queryRaw`select 1`,
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

/**
 * The one place the Prisma client behind a handle leaves the package: sign-in
 * (better-auth, apps/web) keeps its Session, Account and Verification rows, and
 * reads Person, through better-auth's own Prisma adapter, which takes the client
 * itself. Typed as a bare object, so an app can hand it over and call nothing on it.
 */
export function clientForAuthAdapter(db: Db): object {
  return client(db);
}
