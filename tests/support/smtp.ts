import type { BrowserContext, Page } from "playwright-core";
import type { startSmtpSink } from "@offshift/mail/testing";

/** The mail package's SMTP sink: a real SMTP server on localhost that keeps what it receives. */
export { startSmtpSink, type ReceivedMail } from "@offshift/mail/testing";

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
