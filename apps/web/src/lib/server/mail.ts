import { createMailSender, type MailSender } from "@offshift/mail";
import { storeDevMail } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { logger } from "./logger.js";

let sender: MailSender | undefined;

/**
 * Sends through SMTP_URL. Without it (development only; production refuses to
 * start), mail is kept in the database for the /dev/mailbox page instead.
 * The same transport (`@offshift/mail`) delivers realtime's outbox.
 */
export async function sendMail(mail: { to: string; subject: string; text: string }): Promise<void> {
  const e = env();
  sender ??= createMailSender({
    smtpUrl: e.SMTP_URL,
    from: e.MAIL_FROM,
    keep: (kept) => storeDevMail(getDb(), kept),
    log: logger,
    logLinks: e.NODE_ENV === "development",
  });
  await sender.send(mail);
}
