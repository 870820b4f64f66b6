import type { Agent } from "node:https";
import { claimDropInPushes, claimRotaPushes, createDb } from "@offshift/db";
import type { Logger } from "pino";
import { createPushSender, type VapidConfig } from "./push.js";
import { repeatEvery } from "./repeat.js";

/**
 * Drop-in pushes ("opens in 10 minutes", "cancelled") to devices that counted
 * themselves in or whose account asked for a reminder. Every node runs it; each
 * push is claimed once in PostgreSQL, so more nodes never mean more pushes.
 * Returns a stop function that waits for a run in progress.
 */
export function startDropInPushJob(options: {
  databaseUrl: string;
  logger: Logger;
  vapid: VapidConfig;
  now?: () => Date;
  everyMs?: number;
  /** Tests: trusts the local push service. */
  agent?: Agent;
}): () => Promise<void> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const db = createDb(options.databaseUrl, { maxConnections: 2 });
  const push = createPushSender({ db, logger, vapid: options.vapid, agent: options.agent });
  const run = async () => {
    try {
      const due = await claimDropInPushes(db, now());
      // A drop-in push is stale once the session has started; 10 minutes covers "opens soon".
      const sent = await Promise.all(due.map((p) => push.sendTo(p.target, p.message, { ttlSeconds: 600 })));
      if (due.length > 0) logger.info({ due: due.length, sent: sent.filter(Boolean).length }, "drop-in pushes sent");
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "drop-in pushes failed; will retry");
    }
  };
  return repeatEvery(options.everyMs ?? 15_000, run, () => db.$disconnect());
}

/**
 * Rota pushes (a slot reminder 24 hours and 1 hour before, a cover request that
 * fits) to volunteers who chose them, held while the volunteer is in quiet hours
 * after a late or night shift. Every node runs it; each push is claimed once in
 * PostgreSQL. Returns a stop function that waits for a run in progress.
 */
export function startRotaPushJob(options: {
  databaseUrl: string;
  logger: Logger;
  vapid: VapidConfig;
  /** ORG_TIMEZONE: work patterns and slot times are read in it. */
  timeZone: string;
  now?: () => Date;
  everyMs?: number;
  /** Tests: trusts the local push service. */
  agent?: Agent;
}): () => Promise<void> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const db = createDb(options.databaseUrl, { maxConnections: 2 });
  const push = createPushSender({ db, logger, vapid: options.vapid, agent: options.agent });
  const run = async () => {
    try {
      const due = await claimRotaPushes(db, now(), { timeZone: options.timeZone });
      const sent = await Promise.all(
        due.flatMap((p) => p.targets.map((t) => push.sendTo(t, p.message, { ttlSeconds: p.ttlSeconds }))),
      );
      if (due.length > 0) logger.info({ due: due.length, sent: sent.filter(Boolean).length }, "rota pushes sent");
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "rota pushes failed; will retry");
    }
  };
  return repeatEvery(options.everyMs ?? 15_000, run, () => db.$disconnect());
}
