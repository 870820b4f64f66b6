import { client, type Db, type DbOrTx } from "../client.js";

/** One plain-text mail, as the outbox stores it. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/**
 * How a claimed mail leaves: the apps pass their transport (`@offshift/mail`'s
 * sender); this package stores and claims mail and never speaks SMTP itself.
 */
export type SendMail = (mail: OutgoingMail) => Promise<void>;

/**
 * The mail outbox: mail is written as a row (in the same transaction as the
 * fact it reports, where there is one) and delivered later by whichever
 * process claims the row first. `dedupeKey` makes "send this once" a database
 * fact: enqueueing the same key twice, from two processes at once, stores one
 * row.
 */

export interface EnqueueMailInput extends OutgoingMail {
  /** Same key, same mail: only the first enqueue is kept (e.g. `reminder:<person>:<occurrence>`). */
  dedupeKey: string;
  /**
   * Not before this instant: the caller's `now` for mail to go at once. Required, so the
   * time a mail falls due is always the caller's clock and never the database's `now()`
   * (a test pinned to one instant and a column default reading another disagree).
   */
  notBefore: Date;
  /** Dropped, not sent, once this instant has passed (e.g. a reminder once the session started). */
  expiresAt?: Date | null;
}

/** Adds a mail to the outbox unless one with its dedupeKey exists. Returns whether it was new. */
export async function enqueueMail(handle: DbOrTx, input: EnqueueMailInput): Promise<boolean> {
  const db = client(handle);
  const { count } = await db.outboxMail.createMany({
    data: [
      {
        dedupeKey: input.dedupeKey,
        to: input.to,
        subject: input.subject,
        text: input.text,
        notBefore: input.notBefore,
        expiresAt: input.expiresAt ?? null,
      },
    ],
    skipDuplicates: true,
  });
  return count === 1;
}

/**
 * A reminder for something that starts at `startsAt`: sent from now, never
 * after it has started, once per `dedupeKey`. Returns whether it was new.
 */
export function enqueueReminderMail(
  db: DbOrTx,
  reminder: {
    dedupeKey: string;
    to: string;
    mail: { subject: string; text: string };
    now: Date;
    startsAt: Date | string;
  },
): Promise<boolean> {
  return enqueueMail(db, {
    dedupeKey: reminder.dedupeKey,
    to: reminder.to,
    subject: reminder.mail.subject,
    text: reminder.mail.text,
    notBefore: reminder.now,
    expiresAt: new Date(reminder.startsAt),
  });
}

/** After this many failed attempts a mail is dropped (about two hours of retries). */
export const MAX_MAIL_ATTEMPTS = 8;

/** Wait before attempt n+1 after n failures: 1, 2, 4 … 64 minutes. */
export function retryDelayMs(failures: number): number {
  return 60_000 * 2 ** Math.min(Math.max(failures - 1, 0), 10);
}

/** A short, address-free note of why sending failed (relays often echo the recipient). */
export function shortError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/\S+@\S+/g, "<address>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}

export interface DeliveryResult {
  sent: number;
  /** Expired, or failed for the last time. */
  dropped: number;
  /** Failed this time; will be tried again later. */
  retrying: number;
}

interface DueRow {
  id: string;
  to: string;
  subject: string;
  text: string;
  expiresAt: Date | null;
  attempts: number;
}

/**
 * Delivers due mail (`sentAt` and `droppedAt` unset, `notBefore` <= now), at
 * most `batch` per call. Any number of processes may run this at once.
 *
 * Each mail is claimed, sent and marked in its own short transaction: the row
 * is selected `FOR UPDATE SKIP LOCKED`, so a concurrent deliverer skips it and
 * takes the next one, and once `sentAt` commits nobody selects it again.
 * Expired mail is marked dropped without sending. A failed send increments
 * `attempts`, keeps a short `lastError` and moves `notBefore` back (1, 2, 4 …
 * minutes); after MAX_MAIL_ATTEMPTS it is dropped.
 *
 * The one remaining duplicate window: if this process dies (or loses its
 * database connection) after the relay accepted a mail but before the
 * transaction marking it sent commits, the row lock is released with `sentAt`
 * still unset and the mail is sent again later. SMTP gives no way to ask
 * "did you already take this one?", so this at-least-once gap cannot be closed
 * from our side; sending one mail per transaction keeps it to that one mail
 * rather than a whole batch.
 */
export async function deliverDueMail(
  handle: Db,
  send: SendMail,
  now: Date,
  options: { batch?: number; maxAttempts?: number; budgetMs?: number } = {},
): Promise<DeliveryResult> {
  const db = client(handle);
  const batch = options.batch ?? 20;
  const maxAttempts = options.maxAttempts ?? MAX_MAIL_ATTEMPTS;
  // Stop starting new sends after this long, so one call never holds the loop for minutes.
  const deadline = Date.now() + (options.budgetMs ?? 30_000);
  const result: DeliveryResult = { sent: 0, dropped: 0, retrying: 0 };

  for (let i = 0; i < batch && Date.now() < deadline; i++) {
    const outcome = await db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<DueRow[]>`
          SELECT "id", "to", "subject", "text", "expiresAt", "attempts"
          FROM "OutboxMail"
          WHERE "sentAt" IS NULL AND "droppedAt" IS NULL AND "notBefore" <= ${now}
          ORDER BY "notBefore", "createdAt"
          LIMIT 1
          FOR UPDATE SKIP LOCKED`;
        if (!row) return "none" as const;

        if (row.expiresAt && row.expiresAt <= now) {
          await tx.outboxMail.update({ where: { id: row.id }, data: { droppedAt: now, lastError: "expired" } });
          return "dropped" as const;
        }
        try {
          await send({ to: row.to, subject: row.subject, text: row.text });
        } catch (err) {
          const attempts = row.attempts + 1;
          const giveUp = attempts >= maxAttempts;
          await tx.outboxMail.update({
            where: { id: row.id },
            data: {
              attempts,
              lastError: shortError(err),
              ...(giveUp ? { droppedAt: now } : { notBefore: new Date(now.getTime() + retryDelayMs(attempts)) }),
            },
          });
          return giveUp ? ("dropped" as const) : ("retrying" as const);
        }
        await tx.outboxMail.update({
          where: { id: row.id },
          data: { sentAt: now, attempts: row.attempts + 1, lastError: null },
        });
        return "sent" as const;
      },
      // A send has its own timeouts (about 40 s at worst); the row stays locked meanwhile.
      { maxWait: 10_000, timeout: 90_000 },
    );
    if (outcome === "none") break;
    result[outcome]++;
  }
  return result;
}
