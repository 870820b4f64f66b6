import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { BrowserContext, Page } from "playwright-core";

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server on localhost that keeps what it receives (a sink). */
export async function startSmtpSink(): Promise<{
  url: string;
  mail: ReceivedMail[];
  waitFor(to: string, subject: RegExp, after?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}> {
  const mail: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // No reverse DNS for the client: lookups can stall on a machine without DNS.
    disableReverseLookup: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          for (const rcpt of session.envelope.rcptTo) {
            mail.push({ to: rcpt.address, subject: parsed.subject ?? "", text: parsed.text ?? "" });
          }
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mail,
    /** The newest matching mail received after the first `after` mails. */
    async waitFor(to, subject, after = 0) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = mail
          .slice(after)
          .filter((m) => m.to === to && subject.test(m.subject))
          .at(-1);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no mail to ${to} matching ${subject}; got ${JSON.stringify(mail.map((m) => [m.to, m.subject]))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const linkIn = (text: string) => {
  const m = /(https?:\/\/\S+)/.exec(text);
  if (!m) throw new Error(`no link in: ${text}`);
  return m[1]!;
};

/**
 * Signs `email` in as a person would: the sign-in form, then the link mailed to
 * them (the newest one), opened in `context`. Returns the signed-in page.
 */
export async function signInByLink(
  context: BrowserContext,
  appUrl: string,
  smtp: Pick<Awaited<ReturnType<typeof startSmtpSink>>, "mail" | "waitFor">,
  email: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${appUrl}/signin`);
  await page.getByLabel("Email address").fill(email);
  const after = smtp.mail.length;
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.goto(linkIn((await smtp.waitFor(email, /sign-in link/, after)).text));
  return page;
}
