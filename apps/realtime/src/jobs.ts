import type { Logger } from "pino";
import { createDb, extendHorizon } from "@offshift/db";

/**
 * Keeps drop-in occurrences materialised 8 weeks ahead. Runs on every
 * realtime node: the work is idempotent, so more nodes only mean more checks.
 */
export function startHorizonJob(databaseUrl: string, logger: Logger, everyMs = 60 * 60 * 1000): () => Promise<void> {
  const db = createDb(databaseUrl, { maxConnections: 2 });
  const run = async () => {
    try {
      const created = await extendHorizon(db, new Date());
      if (created > 0) logger.info({ created }, "materialised drop-in occurrences");
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "horizon job failed; will retry");
    }
  };
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await db.$disconnect();
  };
}
