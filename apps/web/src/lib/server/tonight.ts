import pg from "pg";
import { listTonightShared, occurrencesCountedIn, type TonightShared } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { logger } from "./logger.js";

/**
 * Tonight's shared part (sessions, who plans to come, who is in the rooms) is
 * the same for everyone, and read on every visit: it is served from memory for
 * TONIGHT_CACHE_MS and read again after any change.
 *
 * - A change made by this process (events.ts publishes it) clears the cache
 *   before the publish returns, so the response to that form post, and every
 *   request after it, reads fresh.
 * - A change made by another web instance, or by realtime (a facilitator late),
 *   arrives as the Socket.IO Postgres emitter's NOTIFY, which this process
 *   LISTENs to: the cache is cleared when it arrives.
 * - A read that was in flight when a change happened is not kept (generations).
 * - What changes without an event (people entering a room) is at most
 *   TONIGHT_CACHE_MS old, 2 s by default.
 *
 * Rows are read for a window wider than the page's by the cache's lifetime, then
 * cut to "not ended, starting within `days`" at each request's own clock, so a
 * cached answer is the answer a fresh read would give.
 */
interface Entry {
  from: number;
  days: number;
  /** performance.now() when it was read: the lifetime is measured in real time, whatever the clock says. */
  readAt: number;
  generation: number;
  rows: Promise<TonightShared[]>;
}

let generation = 0;
let entry: Entry | undefined;

/**
 * Counts drop-in changes seen by this process (its own, and others' once their event
 * arrives): other reads of drop-ins kept in memory (calendar feeds) compare it.
 */
export function dropInChanges(): number {
  ensureListening();
  return generation;
}

/** Clears the cache: the next request reads the database. */
export function invalidateTonight(): void {
  generation++;
  entry = undefined;
}

/**
 * What an open Tonight page is told (its small script, tonight-page.ts, over
 * /api/tonight/events): a drop-in changed, so read the page again; or "missed":
 * this process stopped hearing changes for a while, so anything may have changed.
 */
export type TonightChange = { event: "attendance" | "schedule" | "occupancy" } | { event: "missed" };
type Watcher = (change: TonightChange) => void;
const watchers = new Set<Watcher>();

/**
 * Calls `watcher` for each drop-in change heard by this process (its own and every
 * other process's, as they arrive on the LISTEN connection). Returns the unsubscribe.
 */
export function watchTonight(watcher: Watcher): () => void {
  watchers.add(watcher);
  ensureListening();
  return () => watchers.delete(watcher);
}

function tell(change: TonightChange): void {
  for (const w of watchers) {
    try {
      w(change);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "Tonight watcher failed");
    }
  }
}

/** Occurrences not ended at `now` that start within `days`, soonest first. */
export async function tonightShared(now: Date, days: number): Promise<TonightShared[]> {
  const ttl = env().TONIGHT_CACHE_MS;
  const until = now.getTime() + days * 86_400_000;
  const fresh =
    entry &&
    entry.generation === generation &&
    entry.days === days &&
    entry.from <= now.getTime() &&
    now.getTime() - entry.from < ttl &&
    performance.now() - entry.readAt < ttl;
  if (!fresh) {
    ensureListening();
    const mine: Entry = {
      from: now.getTime(),
      days,
      readAt: performance.now(),
      generation,
      // Read up to `until` as it will be at the end of the entry's life.
      rows: listTonightShared(getDb(), { from: now, until: new Date(until + ttl) }),
    };
    // Concurrent requests share one read (a burst after a change costs one query).
    entry = ttl > 0 ? mine : undefined;
    mine.rows.catch(() => {
      if (entry === mine) entry = undefined;
    });
    return cut(await mine.rows, now.getTime(), until);
  }
  return cut(await entry!.rows, now.getTime(), until);
}

/**
 * Which of these occurrences one person (or guest) counted themselves in for:
 * kept beside the shared part, for as long and cleared by the same changes
 * (counting in or out anywhere publishes an attendance event, which moves the
 * change count), so a guest reading Tonight again costs no query.
 */
interface Counted {
  generation: number;
  readAt: number;
  asked: ReadonlySet<string>;
  ids: Promise<Set<string>>;
}
const COUNTED_KEPT = 1000;
const counted = new Map<string, Counted>();

export function countedIn(identityKey: string, occurrenceIds: readonly string[]): Promise<Set<string>> {
  const ttl = env().TONIGHT_CACHE_MS;
  const known = counted.get(identityKey);
  if (
    known &&
    known.generation === generation &&
    performance.now() - known.readAt < ttl &&
    occurrenceIds.every((id) => known.asked.has(id))
  )
    return known.ids;
  ensureListening();
  const mine: Counted = {
    generation,
    readAt: performance.now(),
    asked: new Set(occurrenceIds),
    ids: occurrencesCountedIn(getDb(), identityKey, occurrenceIds),
  };
  if (ttl > 0) {
    counted.delete(identityKey);
    counted.set(identityKey, mine);
    if (counted.size > COUNTED_KEPT) counted.delete(counted.keys().next().value!);
    mine.ids.catch(() => {
      if (counted.get(identityKey) === mine) counted.delete(identityKey);
    });
  }
  return mine.ids;
}

const cut = (rows: TonightShared[], now: number, until: number) =>
  rows.filter((r) => r.endsAt.getTime() > now && r.startsAt.getTime() < until);

/** The channel the Socket.IO Postgres emitter and adapter use for the default namespace. */
const CHANNEL = "socket.io#/";
const BROADCAST = 3;
let listener: pg.Client | undefined;

/** One connection per process LISTENs for drop-in events published by anyone. */
function ensureListening(): void {
  if (listener || (env().TONIGHT_CACHE_MS === 0 && watchers.size === 0)) return;
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  listener = client;
  const restart = (why: string) => {
    if (listener !== client) return;
    logger.warn({ err: why }, "Tonight cache listener lost; reading Tonight afresh until it is back");
    listener = undefined;
    invalidateTonight();
    tell({ event: "missed" });
    // Open pages are still watching: listen again (a pause, so a database that is down is not hammered).
    if (watchers.size > 0) setTimeout(ensureListening, 1000).unref();
    void client.end().catch(() => {});
  };
  client.on("error", (err) => restart(err.message));
  client.on("end", () => restart("connection ended"));
  client.on("notification", (msg) => {
    const change = tonightChange(msg.payload);
    if (!change) return;
    invalidateTonight();
    tell(change);
  });
  client
    .connect()
    .then(() => client.query(`LISTEN "${CHANNEL}"`))
    // Anything published while we were not listening is covered by reading afresh.
    .then(() => {
      invalidateTonight();
      tell({ event: "missed" });
    })
    .catch((err: Error) => restart(err.message));
}

/** A drop-in event (attendance, schedule, occupancy) broadcast by any process; large ones come as attachments. */
function tonightChange(payload: string | undefined): TonightChange | null {
  if (!payload) return null;
  try {
    const doc = JSON.parse(payload) as {
      type?: number;
      attachmentId?: unknown;
      data?: { packet?: { data?: unknown[] } };
    };
    if (doc.type !== BROADCAST) return null;
    if (doc.attachmentId !== undefined) return { event: "missed" };
    const event = doc.data?.packet?.data?.[0];
    if (event === "dropin:attendance") return { event: "attendance" };
    if (event === "dropin:schedule") return { event: "schedule" };
    if (event === "dropin:occupancy") return { event: "occupancy" };
    return typeof event === "string" && event.startsWith("dropin:") ? { event: "missed" } : null;
  } catch {
    return { event: "missed" };
  }
}
