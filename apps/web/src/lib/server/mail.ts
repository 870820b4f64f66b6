import nodemailer, { type Transporter } from "nodemailer";
import { storeDevMail } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { logger } from "./logger.js";

let transport: Transporter | undefined;

/**
 * Sends through SMTP_URL. Without it (development only; production refuses to
 * start), mail is kept for the /dev/mailbox page instead.
 */
export async function sendMail(mail: { to: string; subject: string; text: string }): Promise<void> {
  const e = env();
  if (e.SMTP_URL) {
    // Bounded waits: a slow relay must not hold a sign-in request for minutes.
    transport ??= nodemailer.createTransport(e.SMTP_URL, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    await transport.sendMail({ from: e.MAIL_FROM, ...mail });
    logger.info({ subject: mail.subject }, "mail sent");
    return;
  }
  await storeDevMail(getDb(), mail);
  // Development only: the link itself is logged so it can be followed from the terminal.
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  logger.info(
    { subject: mail.subject, ...(link ? { link } : {}) },
    "no SMTP_URL: mail kept in the development mailbox at /dev/mailbox",
  );
}
