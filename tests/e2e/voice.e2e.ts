import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { instantFromWallTime, quarterOfMonth, quarterPublishesAt, wallTimeAt, type Actor } from "@offshift/core";
import { closeDb, createDb, listVoiceThemes, recordSessionThemes } from "@offshift/db";
import { testPrisma, type TestPrisma } from "@offshift/db/testing";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { LONDON } from "../support/clock.js";
import { signInByLink, startSmtpSink } from "../support/smtp.js";

// Issue 19, Voice: a facilitator ends a drop-in and ticks its themes, workers leave a word when a
// drop-in or a call ends, a coordinator publishes a paraphrase, and the public page shows a theme only once 10
// sessions by 3 facilitators are behind it, with the PDF and CSV saying the same numbers.
// The clock is a file the app reads (NODE_ENV=test): the quarter used is about seven months
// ahead of today, so the test passes on any date, shifted clock included.
const pgDir = tempDir("voice-pg");
const dataDir = tempDir("voice-app");
const clockFile = path.join(dataDir, "now.txt");
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());

const ahead = wallTimeAt(new Date(Date.now() + 200 * 86_400_000), LONDON);
// The middle month of that quarter, so every session lands inside it.
const middle = Math.floor((ahead.month - 1) / 3) * 3 + 2;
const sessionAt = (day: number) =>
  instantFromWallTime({ year: ahead.year, month: middle, day, hour: 21, minute: 0 }, LONDON);
const quarter = quarterOfMonth(`${ahead.year}-${String(middle).padStart(2, "0")}`);

let database: EmbeddedPostgresHandle;
let db: TestPrisma;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
const people: Record<string, { id: string; actor: Actor }> = {};

beforeAll(async () => {
  setClock(sessionAt(1));
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_voice" });
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
  for (const name of ["maria", "dev", "joanne"]) {
    const p = await db.person.findUniqueOrThrow({ where: { email: `${name}@offshift.example` } });
    people[name] = { id: p.id, actor: { kind: "person", personId: p.id, roles: p.roles, status: p.status } };
  }
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

/** A drop-in that ran 21:00-22:00 on `day`, opened by its facilitator. */
async function ranDropIn(facilitatorId: string, day: number, title = "Night check-in", { opened = true } = {}) {
  const startsAt = sessionAt(day);
  const series = await db.dropInSeries.create({
    data: {
      title,
      theme: "Nights",
      description: "A late drop-in.",
      capacity: 8,
      durationMinutes: 60,
      rrule: "FREQ=WEEKLY;COUNT=1",
      startsOnLocal: "2026-01-01T21:00:00",
      facilitatorId,
    },
  });
  return db.dropInOccurrence.create({
    data: {
      seriesId: series.id,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      title,
      theme: "Nights",
      description: "A late drop-in.",
      capacity: 8,
      facilitatorId,
      ...(opened ? { openedAt: startsAt, openedById: facilitatorId } : {}),
    },
  });
}

const phone = () => browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
const signIn = async (email: string, viewport = { width: 360, height: 740 }): Promise<Page> =>
  signInByLink(await browser.newContext({ viewport, colorScheme: "dark" }), app.url, smtp, email);

async function bereavementId() {
  return (await listVoiceThemes(db)).find((t) => t.label === "Bereavement")!.id;
}

describe("Voice", () => {
  it("a facilitator ends a drop-in: the worker is asked for a word, the facilitator ticks the themes", async () => {
    const occurrence = await ranDropIn(people.maria!.id, 1, "Maria's Tuesday late", { opened: false });
    setClock(new Date(sessionAt(1).getTime() + 60_000));
    const roomUrl = `${app.url}/sessions/${occurrence.id}/room`;
    const maria = await signIn("maria@offshift.example");
    await maria.goto(roomUrl);
    await maria.getByTestId("join-listen").click();
    await maria.getByTestId("open").click();
    await expect.poll(() => maria.getByTestId("room-phase").getAttribute("data-phase")).toBe("live");

    const worker = await (await phone()).newPage();
    await worker.goto(roomUrl);
    await worker.waitForURL(/\/join/);
    await worker.getByLabel("Nickname").fill("Night Heron");
    await worker.getByLabel(/I agree to the group agreement/).check();
    await worker.getByRole("button", { name: "Join" }).click();
    await worker.waitForURL(roomUrl);
    await worker.getByTestId("join-listen").click();
    await expect.poll(() => maria.locator("[data-testid=participant]").count()).toBe(2);

    maria.once("dialog", (d) => void d.accept());
    await maria.getByTestId("end").click();
    await expect.poll(() => worker.getByTestId("room-outcome").getAttribute("data-outcome")).toBe("ended");
    const prompt = worker.getByTestId("voice-word");
    await prompt.getByLabel("One thing that would make your job better?").fill("A second carer for every hoist");
    await prompt.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => worker.getByTestId("voice-word-sent").isVisible()).toBe(true);
    expect(await seriousA11yViolations(worker)).toEqual([]);
    await worker.screenshot({ path: "/tmp/voice19-room-ended-360.png", fullPage: true });
    await worker.context().close();

    // The facilitator goes from the ended room to the themes, still before its planned end.
    await maria.getByRole("link", { name: "Tick the themes that came up" }).click();
    await maria.waitForURL(/\/volunteer\/voice$/);
    const form = maria.locator(`[data-session="dropin:${occurrence.id}"]`);
    await form.getByLabel("Bereavement").check();
    await form.getByLabel("Lone working at night").check();
    await form.getByLabel(/English region/).selectOption({ label: "London" });
    await form.getByRole("button", { name: "Save themes" }).click();
    await expect.poll(() => maria.getByTestId("voice-tick-saved").textContent()).toContain("2 themes");
    const report = await db.voiceSessionReport.findUniqueOrThrow({
      where: { occurrenceId: occurrence.id },
      include: { ticks: true },
    });
    expect(report).toMatchObject({ region: "LDN", facilitatorId: people.maria!.id });
    expect(report.ticks).toHaveLength(2);
    expect(await seriousA11yViolations(maria)).toEqual([]);
    await maria.screenshot({ path: "/tmp/voice19-ticks-360.png", fullPage: true });
    await maria.context().close();
  });

  it("a worker leaves a word when their call ends; contact details are refused kindly and not stored", async () => {
    const context: BrowserContext = await phone();
    const page = await context.newPage();
    await page.goto(`${app.url}/talk`);
    await page.waitForURL(/\/join/);
    await page.getByLabel("Nickname").fill("Quiet Kestrel");
    await page.getByLabel("I agree to the one-to-one agreement").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${app.url}/talk`);
    const guest = await db.guest.findFirstOrThrow({ where: { nickname: "Quiet Kestrel" } });
    // A call that has just ended (the 1:1 line itself is proven in talk.e2e.ts).
    const startedAt = new Date(sessionAt(1).getTime() + 60 * 60_000);
    const request = await db.talkRequest.create({
      data: { requesterGuestId: guest.id, status: "MATCHED", createdAt: startedAt, matchedAt: startedAt },
    });
    const call = await db.talkCall.create({
      data: {
        requestId: request.id,
        volunteerId: people.dev!.id,
        workerGuestId: guest.id,
        status: "ENDED",
        startedAt,
        endedAt: new Date(startedAt.getTime() + 20 * 60_000),
        endedBy: "worker",
      },
    });
    await page.goto(`${app.url}/talk/call/${call.id}`);
    const prompt = page.getByTestId("voice-word");
    await prompt.waitFor();
    await page.screenshot({ path: "/tmp/voice19-call-ended-360.png", fullPage: true });
    await prompt.getByLabel("One thing that would make your job better?").fill("Ring me on 07700 900123 about rotas");
    await prompt.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => prompt.getByRole("alert").textContent()).toMatch(/leave out phone numbers/);
    expect(await db.voiceWord.count()).toBe(1);

    await prompt.getByLabel("One thing that would make your job better?").fill("Paid time to travel between visits");
    await prompt.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.getByTestId("voice-word-sent").isVisible()).toBe(true);
    const words = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "VoiceWord"`);
    expect(words.map((w) => w.text).sort()).toEqual([
      "A second carer for every hoist",
      "Paid time to travel between visits",
    ]);
    expect(Object.keys(words[0]!).sort()).toEqual(["archived", "id", "month", "text"]);
    expect(JSON.stringify(words)).not.toMatch(new RegExp(`${guest.id}|Quiet Kestrel|Night Heron|${call.id}`));
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Without JavaScript the prompt posts to /voice/word: the refusal keeps what was typed.
    const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    await noJs.addCookies(await context.cookies());
    const plain = await noJs.newPage();
    await plain.goto(`${app.url}/voice/word`);
    await plain.getByLabel("Your words (optional)").fill("Email me: kestrel@example.org");
    await plain.getByRole("button", { name: "Send" }).click();
    await plain.waitForURL(`${app.url}/voice/word`);
    expect(await plain.getByRole("alert").textContent()).toMatch(/leave out email addresses/);
    expect(await plain.getByLabel("Your words (optional)").inputValue()).toBe("Email me: kestrel@example.org");
    expect(await db.voiceWord.count()).toBe(2);
    await noJs.close();
    await context.close();
  });

  it("a coordinator publishes a paraphrase, and it reaches the public page and the feed", async () => {
    const page = await signIn("priya@offshift.example", { width: 1280, height: 900 });
    await page.goto(`${app.url}/coordinator/voice`);
    const row = page.getByTestId("voice-word-row").filter({ hasText: "Paid time to travel between visits" });
    await row.getByLabel("Your paraphrase to publish").fill("Workers ask to be paid for the time they travel.");
    await row.getByRole("button", { name: "Publish", exact: true }).click();
    await expect.poll(() => page.getByTestId("voice-done").textContent()).toMatch(/Published/);
    expect(await page.getByTestId("voice-statement-row").first().textContent()).toContain("paid for the time");
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/voice19-coordinator-1280.png", fullPage: true });

    // Anyone else is refused at the form action, and nothing is stored.
    const kwame = await signIn("kwame@offshift.example");
    const word = await db.voiceWord.findFirst({ where: { archived: false } });
    const statements = await db.voiceStatement.count();
    const refused = await kwame.request.post(`${app.url}/coordinator/voice?/publish`, {
      form: { wordId: word?.id ?? crypto.randomUUID(), text: "Something to publish" },
      headers: { origin: app.url },
    });
    expect(refused.status()).toBe(403);
    // Refused by the permission check, not by the cross-site guard.
    expect(await refused.text()).toContain("You don't have access to this page.");
    expect(await db.voiceStatement.count()).toBe(statements);
    await kwame.context().close();

    const visitor = await (await phone()).newPage();
    await visitor.goto(`${app.url}/voice`);
    expect(await visitor.getByTestId("voice-statements").textContent()).toContain(
      "Workers ask to be paid for the time they travel.",
    );
    const feed = await (await fetch(`${app.url}/voice/feed.atom`)).text();
    expect(feed).toContain("<title>Workers ask to be paid for the time they travel.</title>");
    expect(feed).not.toContain("Paid time to travel between visits");
    // Well-formed Atom, read by the browser's own XML parser.
    const entries = await visitor.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, "application/xml");
      if (doc.querySelector("parsererror")) return null;
      return [...doc.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "entry")].map(
        (e) => e.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "content")[0]?.textContent,
      );
    }, feed);
    expect(entries).toHaveLength(1);
    expect(entries![0]).toMatch(/^Workers ask to be paid for the time they travel\. \(\w+ \d{4}\)$/);
    await visitor.context().close();
    await page.context().close();
  });

  it("the public page shows a theme only once 10 sessions by 3 facilitators are behind it; PDF and CSV agree", async () => {
    const bereavement = await bereavementId();
    const trio = [people.dev!, people.joanne!, people.maria!];
    // Maria's first session counts already: eight more make nine.
    for (let i = 0; i < 8; i++) {
      const who = trio[i % 3]!;
      const o = await ranDropIn(who.id, 2 + i);
      const r = await recordSessionThemes(db, {
        actor: who.actor,
        session: { kind: "dropin", occurrenceId: o.id },
        themeIds: [bereavement],
        region: "",
        now: new Date(sessionAt(2 + i).getTime() + 2 * 3_600_000),
        timeZone: LONDON,
      });
      expect(r.ok).toBe(true);
    }
    setClock(new Date(quarterPublishesAt(quarter, LONDON).getTime() + 3_600_000));
    const page = await (await phone()).newPage();
    await page.goto(`${app.url}/voice`);
    const section = page.locator(`[data-quarter="${quarter}"]`);
    expect(await section.getByTestId("voice-hidden").textContent()).toContain("Bereavement");
    expect(await section.locator('[data-theme="Bereavement"]').count()).toBe(0);

    // The tenth session crosses the threshold.
    const o = await ranDropIn(people.joanne!.id, 20);
    await recordSessionThemes(db, {
      actor: people.joanne!.actor,
      session: { kind: "dropin", occurrenceId: o.id },
      themeIds: [bereavement],
      region: "",
      now: new Date(sessionAt(20).getTime() + 3_600_000),
      timeZone: LONDON,
    });
    await page.reload();
    const bar = section.getByTestId("voice-chart").locator('[data-theme="Bereavement"]');
    expect(await bar.getAttribute("data-sessions")).toBe("10");
    expect(await bar.textContent()).toContain("10");
    // Lone working (one session) stays hidden, and the table is the chart's text equivalent.
    expect(await section.getByTestId("voice-hidden").textContent()).toContain("Lone working at night");
    const table = await section.getByTestId("voice-table").textContent();
    expect(table).toMatch(/Bereavement\s*10/);
    const text = (await page.locator("main").textContent())!;
    for (const never of ["Maria", "Dev Patel", "Joanne", "Night check-in", "Tuesday late", "agency:", "Quiet Kestrel"])
      expect(text).not.toContain(never);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/voice19-voice-360.png", fullPage: true });

    const csv = await (await fetch(`${app.url}/voice/report.csv`)).text();
    expect(csv).toContain(`"${quarter}","Bereavement","quarter","England","10"`);
    expect(csv).toContain(
      `"${quarter}","Lone working at night","quarter","England","fewer than 10 sessions or 3 facilitators"`,
    );
    const pdf = await fetch(`${app.url}/voice/report.pdf`);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const pdfFile = path.join(dataDir, "report.pdf");
    writeFileSync(pdfFile, Buffer.from(await pdf.arrayBuffer()));
    const pdfText = execFileSync("pdftotext", ["-layout", pdfFile, "-"], { encoding: "utf8" });
    expect(pdfText).toContain("Bereavement: 10 sessions");
    expect(pdfText).toContain("at least 10 sessions, run by at least 3 different facilitators");
    expect(pdfText).toContain("Workers ask to be paid for the time they travel.");
    expect(pdfText).not.toMatch(/Maria|Joanne|Dev Patel/);
    await page.context().close();
  });
});
