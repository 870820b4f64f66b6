import { createMailSender as createTransport, type MailLog, type MailSender } from "@offshift/mail";
import type { Db } from "../client.js";
import { storeDevMail } from "../people/mail.js";

export type { MailLog, MailSender };

/**
 * The SMTP transport (`@offshift/mail`) with this database's development
 * mailbox (the DevMail table, read by /dev/mailbox) as the keeper of mail sent
 * when no SMTP_URL is set.
 */
export function createMailSender(options: {
  smtpUrl?: string | undefined;
  from: string;
  db: Db;
  log: MailLog;
  logLinks: boolean;
}): MailSender {
  const { db, ...rest } = options;
  return createTransport({ ...rest, keep: (mail) => storeDevMail(db, mail) });
}
