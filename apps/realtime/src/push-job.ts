import type { Agent } from "node:https";
import type { PushMessage } from "@offshift/core";
import { claimDropInPushes, claimRotaPushes, closeDb, createDb, type PushTarget } from "@offshift/db";
import type { Logger } from "pino";
import { createPushSender, type VapidConfig } from "./push.js";
import { repeatEvery } from "./repeat.js";

interface PushJobOptions {
  databaseUrl: string;
  logger: Logger;
  vapid: VapidConfig;
  now?: () => Date;
  everyMs?: number;
  /** Tests: trusts the local push service. */
  agent?: Agent;
}

interface Due {
  targets: PushTarget[];
  message: PushMessage;
  ttlSeconds: number;
}

/**
 * A push job: every `everyMs` (15 s), claims what is due (each push claimed
 * once in PostgreSQL, so more nodes never mean more pushes) and sends it.
 * A failed run is logged and tried again next time. Returns a stop function
 * that waits for a run in progress.
 */
function startPushJob(
  what: string,
  options: PushJobOptions,
  claim: (db: ReturnType<typeof createDb>, now: Date) => Promise<Due[]>,
): () => Promise<void> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const db = createDb(options.databaseUrl, { maxConnections: 2 });
  const push = createPushSender({ db, logger, vapid: options.vapid, agent: options.agent });
  const run = async () => {
    try {
      const due = await claim(db, now());
      const sent = await Promise.all(
        due.flatMap((p) => p.targets.map((t) => push.sendTo(t, p.message, { ttlSeconds: p.ttlSeconds }))),
      );
      if (due.length > 0) logger.info({ due: due.length, sent: sent.filter(Boolean).length }, `${what} sent`);
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} failed; will retry`);
    }
  };
  return repeatEvery(options.everyMs ?? 15_000, run, () => closeDb(db));
}

/**
 * Drop-in pushes ("opens in 10 minutes", "cancelled") to devices that counted
 * themselves in or whose account asked for a reminder.
 */
export function startDropInPushJob(options: PushJobOptions): () => Promise<void> {
  return startPushJob("drop-in pushes", options, async (db, now) =>
    // A drop-in push is stale once the session has started; 10 minutes covers "opens soon".
    (await claimDropInPushes(db, now)).map((p) => ({ targets: [p.target], message: p.message, ttlSeconds: 600 })),
  );
}

/**
 * Rota pushes (a slot reminder 24 hours and 1 hour before, a cover request that
 * fits) to volunteers who chose them, held while the volunteer is in quiet hours
 * after a late or night shift.
 */
export function startRotaPushJob(
  options: PushJobOptions & {
    /** ORG_TIMEZONE: work patterns and slot times are read in it. */
    timeZone: string;
  },
): () => Promise<void> {
  return startPushJob("rota pushes", options, (db, now) => claimRotaPushes(db, now, { timeZone: options.timeZone }));
}
