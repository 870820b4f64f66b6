import nodemailer, { type Transporter } from "nodemailer";
import type { Db } from "../client.js";
import { storeDevMail } from "../people/mail.js";
import type { OutgoingMail, SendMail } from "./outbox.js";

/** The part of a pino logger the sender uses; it never logs addresses or bodies. */
export interface MailLog {
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface MailSender {
  send: SendMail;
  /** Closes the SMTP connection pool, if any. */
  close(): void;
}

/**
 * Sends through `smtpUrl` (nodemailer). Without it (development only: web and
 * realtime refuse to start in production without SMTP_URL) mail is kept in
 * the DevMail table for the /dev/mailbox page. With `logLinks` (development
 * only) the first link in it is logged so it can be followed from the
 * terminal; anywhere else a sign-in link in a log would let its reader sign in.
 */
export function createMailSender(options: {
  smtpUrl?: string | undefined;
  from: string;
  db: Db;
  log: MailLog;
  logLinks: boolean;
}): MailSender {
  const { smtpUrl, from, db, log, logLinks } = options;
  let transport: Transporter | undefined;

  if (smtpUrl) {
    return {
      async send(mail: OutgoingMail) {
        // Bounded waits: a slow relay must not hold a sign-in request or the outbox for minutes.
        transport ??= nodemailer.createTransport(smtpUrl, {
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        });
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
        log.info({ subject: mail.subject }, "mail sent");
      },
      close() {
        transport?.close();
        transport = undefined;
      },
    };
  }

  return {
    async send(mail: OutgoingMail) {
      await storeDevMail(db, { to: mail.to, subject: mail.subject, text: mail.text });
      const link = logLinks ? /https?:\/\/\S+/.exec(mail.text)?.[0] : undefined;
      log.info(
        { subject: mail.subject, ...(link ? { link } : {}) },
        "no SMTP_URL: mail kept in the development mailbox at /dev/mailbox",
      );
    },
    close() {},
  };
}
