import type { Logger } from "pino";
import { PUBLIC_ROOM } from "@offshift/core";
import {
  alertUnopenedSessions,
  closeDb,
  createDb,
  deliverDueMail,
  enqueueDueDropInReminders,
  enqueueRotaSlotReminders,
  extendDropInHorizon,
  extendRotaHorizon,
  storeDevMail,
} from "@offshift/db";
import { createMailSender } from "@offshift/mail";
import type { RealtimeIo } from "./deps.js";
import { repeatEvery } from "./repeat.js";

/**
 * Keeps drop-in occurrences materialised 8 weeks ahead and active rota
 * templates' slots 28 days ahead. Runs on every realtime node: the work is
 * idempotent (unique keys), so more nodes only mean more checks.
 */
export function startHorizonJob(
  databaseUrl: string,
  logger: Logger,
  everyMs = 60 * 60 * 1000,
  now: () => Date = () => new Date(),
): () => Promise<void> {
  const db = createDb(databaseUrl, { maxConnections: 2 });
  const run = async () => {
    try {
      const created = await extendDropInHorizon(db, now());
      if (created > 0) logger.info({ created }, "materialised drop-in occurrences");
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "horizon job failed; will retry");
    }
    try {
      const slots = await extendRotaHorizon(db, now());
      if (slots > 0) logger.info({ slots }, "materialised rota slots");
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "rota horizon job failed; will retry");
    }
  };
  return repeatEvery(everyMs, run, () => closeDb(db));
}

export interface MailJobOptions {
  databaseUrl: string;
  logger: Logger;
  /** Where "facilitator-late" schedule changes are announced (every node, through the adapter). */
  io?: RealtimeIo;
  /** Unset: mail is kept for /dev/mailbox (development). */
  smtpUrl?: string | undefined;
  /** Development only: log the link in mail kept for /dev/mailbox (never elsewhere: links sign people in). */
  logMailLinks?: boolean;
  mailFrom: string;
  /** ORG_TIMEZONE: session times in mail are written in it. */
  timeZone: string;
  /** Web's public address, for links in mail. */
  origin: string;
  /** The clock (tests: the shared test clock file). */
  now?: () => Date;
  everyMs?: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Every `everyMs` (15 s): alert backups (or coordinators) about sessions whose
 * room has not been opened, queue due session reminders and rota slot
 * reminders (24 h and 1 h before), and deliver the mail outbox. Runs on every realtime node: claims and dedupe keys live in
 * PostgreSQL, so more nodes never mean more mail. A failing step is logged and
 * retried on the next tick; runs never overlap. Returns a stop function that
 * waits for a run in progress.
 */
export function startMailJob(options: MailJobOptions): () => Promise<void> {
  const { logger, io } = options;
  const now = options.now ?? (() => new Date());
  const db = createDb(options.databaseUrl, { maxConnections: 3 });
  const sender = createMailSender({
    smtpUrl: options.smtpUrl,
    from: options.mailFrom,
    // Without SMTP_URL (development only), mail is kept in the database for /dev/mailbox.
    keep: (mail) => storeDevMail(db, mail),
    log: logger,
    logLinks: options.logMailLinks ?? false,
  });
  const where = { timeZone: options.timeZone, origin: options.origin };

  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ job: name, err: errorText(err) }, "mail job step failed; will retry");
    }
  };

  const run = async () => {
    await step("room-alerts", async () => {
      const ids = await alertUnopenedSessions(db, now(), where);
      if (ids.length === 0) return;
      logger.info({ sessions: ids.length }, "room not opened at start time: backup alerted");
      for (const occurrenceId of ids)
        io?.to(PUBLIC_ROOM).emit("dropin:schedule", { occurrenceId, change: "facilitator-late" });
    });
    await step("reminders", async () => {
      const queued = await enqueueDueDropInReminders(db, now(), where);
      if (queued > 0) logger.info({ queued }, "session reminders queued");
    });
    await step("slot-reminders", async () => {
      const queued = await enqueueRotaSlotReminders(db, now(), where);
      if (queued > 0) logger.info({ queued }, "rota slot reminders queued");
    });
    await step("outbox", async () => {
      const r = await deliverDueMail(db, sender.send, now());
      if (r.sent + r.dropped + r.retrying > 0) logger.info(r, "outbox delivered");
    });
  };

  return repeatEvery(options.everyMs ?? 15_000, run, async () => {
    sender.close();
    await closeDb(db);
  });
}
