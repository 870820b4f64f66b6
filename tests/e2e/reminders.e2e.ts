import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { instantFromWallTime, wallTimeAt } from "@offshift/core";
import { closeDb, createDb } from "@offshift/db";
import { testPrisma, type TestPrisma } from "@offshift/db/testing";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { linkIn, startSmtpSink } from "../support/smtp.js";

// Web and realtime read "now" from this file (NODE_ENV=test only); realtime's
// mail job sends the reminder through a real SMTP server on localhost.
const pgDir = tempDir("reminders-pg");
const dataDir = tempDir("reminders-app");
const clockFile = path.join(dataDir, "now.txt");
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());
const LONDON = "Europe/London";

// 22:00 London on a day next week.
const today = wallTimeAt(new Date(), LONDON);
const day = new Date(Date.UTC(today.year, today.month - 1, today.day) + 8 * 86_400_000);
const STARTS = instantFromWallTime(
  { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: 22, minute: 0 },
  LONDON,
);
const minutesBefore = (m: number) => new Date(STARTS.getTime() - m * 60_000);

let database: EmbeddedPostgresHandle;
let db: TestPrisma;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
let sessionUrl: string;

beforeAll(async () => {
  setClock(minutesBefore(180));
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_reminders" });
  smtp = await startSmtpSink();
  app = await startApp({
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    NODE_ENV: "test",
    OFFSHIFT_TEST_CLOCK_FILE: clockFile,
  });
  browser = await launchBrowser();
  db = testPrisma(createDb(database.url, { maxConnections: 2 }));
  const maria = await db.person.findUniqueOrThrow({ where: { email: "maria@offshift.example" } });
  const series = await db.dropInSeries.create({
    data: {
      title: "Reminder test drop-in",
      theme: "Just offload",
      description: "A session to be reminded about.",
      capacity: 8,
      durationMinutes: 60,
      rrule: "FREQ=WEEKLY;COUNT=1",
      startsOnLocal: "2026-01-01T22:00:00",
      facilitatorId: maria.id,
    },
  });
  const occ = await db.dropInOccurrence.create({
    data: {
      seriesId: series.id,
      originalStart: STARTS,
      startsAt: STARTS,
      endsAt: new Date(STARTS.getTime() + 60 * 60_000),
      title: series.title,
      theme: series.theme,
      description: series.description,
      capacity: 8,
      facilitatorId: maria.id,
      // Opened, so this test's session never raises a "room not opened" alert.
      openedAt: minutesBefore(5),
    },
  });
  sessionUrl = `${app.url}/sessions/${occ.id}`;
});
afterAll(async () => {
  if (db) await closeDb(db);
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  await database?.stop();
  removeDir(pgDir);
  removeDir(dataDir);
});

const EMAIL = "reminded.worker@example.org";

describe("email reminders before a session", () => {
  it("a guest is pointed to /reminders; an account holder asks, gets one email through SMTP, and stops it", async () => {
    // No account: a link, not a form.
    const guest = await (await browser.newContext()).newPage();
    await guest.goto(sessionUrl);
    await guest.getByRole("link", { name: "Get an email before sessions" }).click();
    await guest.waitForURL(`${app.url}/reminders`);

    // The worker gets an account with an email at /reminders and signs in.
    await guest.getByLabel("Nickname").fill("Night Owl");
    await guest.getByLabel("Email address").fill(EMAIL);
    await guest.getByRole("button", { name: "Email me a link" }).click();
    await guest.getByTestId("link-sent").waitFor();
    await guest.goto(linkIn((await smtp.waitFor(EMAIL, /sign-in link/)).text));
    await guest.waitForURL(`${app.url}/account`);

    // With JavaScript (use:enhance): this session.
    await guest.goto(sessionUrl);
    await guest.getByRole("button", { name: "Email me before this session" }).click();
    await expect
      .poll(() => guest.getByRole("status").filter({ hasText: "Done." }).textContent())
      .toContain("30 minutes before this session");
    expect(await guest.getByTestId("reminder-status").textContent()).toContain("before this session");
    expect(await seriousA11yViolations(guest)).toEqual([]);

    // Without JavaScript, in the same account: the whole series, by a plain form post and redirect.
    const cookies = await guest.context().cookies();
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    await noJs.addCookies(cookies);
    const plain = await noJs.newPage();
    await plain.goto(sessionUrl);
    await plain.getByRole("button", { name: "Email me before every session in this series" }).click();
    await plain.waitForURL(/\?reminder=set-series/);
    expect(await plain.getByTestId("reminder-outcome").textContent()).toContain("before every session in this series");
    expect(await db.reminderRequest.count({ where: { person: { email: EMAIL } } })).toBe(2);

    // 25 minutes before: realtime's job mails one reminder, even though two requests cover it.
    const before = smtp.mail.length;
    setClock(minutesBefore(25));
    await expect
      .poll(() => smtp.mail.slice(before).filter((m) => m.to === EMAIL).length, { timeout: 45_000, interval: 500 })
      .toBe(1);
    const reminder = smtp.mail.slice(before).find((m) => m.to === EMAIL)!;
    expect(reminder.subject).toBe("Reminder: Reminder test drop-in, Tonight at 22:00");
    expect(linkIn(reminder.text)).toBe(sessionUrl);
    // Another round of the job (every 15 s) sends nothing more.
    await new Promise((r) => setTimeout(r, 17_000));
    expect(smtp.mail.slice(before).filter((m) => m.to === EMAIL)).toHaveLength(1);

    // Stop the series reminders (no JavaScript).
    await plain.goto(sessionUrl);
    await plain.getByRole("button", { name: "Stop reminders for this series" }).click();
    await plain.waitForURL(/\?reminder=cleared-series/);
    expect(await plain.getByTestId("reminder-outcome").textContent()).toContain("Reminders stopped for this series");
    expect(await db.reminderRequest.count({ where: { person: { email: EMAIL }, occurrenceId: null } })).toBe(0);
    await noJs.close();
  });
});
