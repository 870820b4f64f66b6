import type { Agent } from "node:https";
import { claimDropInPushes, createDb } from "@offshift/db";
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
