import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One mail as a recipient got it (a mail to two people is two of these). */
export interface ReceivedMail {
  /** The From header's address. */
  from: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * For tests: a real SMTP server on 127.0.0.1 (a free port) that keeps what it
 * receives, so mail is checked at its wire protocol and never faked. Only
 * tests import this (`@offshift/mail/testing`).
 */
export async function startSmtpSink(): Promise<{
  url: string;
  mail: ReceivedMail[];
  /** The newest mail to `to` whose subject matches, among those received after the first `after`; waits up to 15 s. */
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
          const from = parsed.from?.value[0]?.address ?? "";
          for (const rcpt of session.envelope.rcptTo)
            mail.push({ from, to: rcpt.address, subject: parsed.subject ?? "", text: parsed.text ?? "" });
          callback();
        })
        .catch(callback);
    },
  });
  // smtp-server re-emits a connection's socket error on the server (a client reset mid-message, as when
  // the app is stopped while it sends); with no listener that would end the test process.
  server.on("error", (error) => console.warn(`SMTP sink: ${error.message}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mail,
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
