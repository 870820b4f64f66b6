import nodemailer, { type Transporter } from "nodemailer";

/** One plain-text message. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export type SendMail = (mail: OutgoingMail) => Promise<void>;

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
 * realtime refuse to start in production without SMTP_URL) mail goes to
 * `keep`, which stores it where a developer can read it (the data package keeps
 * it for the /dev/mailbox page). With `logLinks` (development only) the first
 * link in it is logged so it can be followed from the terminal; anywhere else a
 * sign-in link in a log would let its reader sign in.
 */
export function createMailSender(options: {
  smtpUrl?: string | undefined;
  from: string;
  keep: SendMail;
  log: MailLog;
  logLinks: boolean;
}): MailSender {
  const { smtpUrl, from, keep, log, logLinks } = options;
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
      await keep({ to: mail.to, subject: mail.subject, text: mail.text });
      const link = logLinks ? /https?:\/\/\S+/.exec(mail.text)?.[0] : undefined;
      log.info(
        { subject: mail.subject, ...(link ? { link } : {}) },
        "no SMTP_URL: mail kept in the development mailbox at /dev/mailbox",
      );
    },
    close() {},
  };
}
