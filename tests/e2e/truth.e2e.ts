import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser, seriousA11yViolations } from "../support/browser.js";
import { startSmtpSink, signInByLink } from "../support/smtp.js";
import { londonDay } from "../support/clock.js";

// Every screen tells the truth about a session: late, not going ahead, full,
// locked. The app runs on the built-in (mesh) audio, with a controllable clock.
// Seeded: "After a death" (Dev, no backup) Tue/Thu/Sun 21:30; "Lone working at
// night" (Joanne, backup Maria) every night at 22:00, capacity 12.
const dataDir = tempDir("truth");
const clockFile = path.join(dataDir, "now.txt");

// Next week's Tuesday, in London.
const at = londonDay(2, 7);
const setClock = (t: Date) => writeFileSync(clockFile, t.toISOString());

let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
let browser: Browser;
const sockets: Socket[] = [];

beforeAll(async () => {
  setClock(at(21, 40));
  smtp = await startSmtpSink();
  app = await startApp({
    DATA_DIR: dataDir,
    SMTP_URL: smtp.url,
    NODE_ENV: "test",
    OFFSHIFT_TEST_CLOCK_FILE: clockFile,
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  await app?.stop();
  await smtp?.stop();
  removeDir(dataDir);
});

/** A worker with a nickname, in their own browser. */
async function worker(nickname: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${app.url}/join`);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByLabel(/I agree to the group agreement/).check();
  await page.getByRole("button", { name: "Join" }).click();
  await page.waitForURL(`${app.url}/`);
  return page;
}

async function signIn(email: string): Promise<Page> {
  return signInByLink(await browser.newContext(), app.url, smtp, email);
}

/** A room member without audio: the socket a page would open, with the page's own ticket. */
async function inRoom(context: BrowserContext, occurrenceId: string, event = "room:join", payload: object = {}) {
  const { ticket } = (await (await context.request.get(`${app.url}/api/realtime-ticket`)).json()) as {
    ticket: string;
  };
  const socket = io(app.realtimeUrl, { auth: { ticket }, transports: ["websocket"] });
  sockets.push(socket);
  const reply = (await socket.emitWithAck("room:join", { occurrenceId, listenOnly: true })) as { ok: boolean };
  expect(reply).toMatchObject({ ok: true });
  if (event !== "room:join") expect(await socket.emitWithAck(event, payload)).toMatchObject({ ok: true });
  return socket;
}

const card = (page: Page, title: string, startsAt: Date): Locator =>
  page.locator(`[data-testid=session-card]:has(time[datetime="${startsAt.toISOString()}"])`).filter({ hasText: title });
const occurrenceIdOf = async (page: Page, title: string, startsAt: Date) => {
  await page.goto(app.url);
  return (await card(page, title, startsAt).getAttribute("data-occurrence-id"))!;
};

let afterADeath: string;
let loneWorking: string;
let waiting: Page;
let joanne: Page;

describe("a session nobody has opened", () => {
  it("at 21:40 the room says it is late, who has been told, and takes the worker into the lobby", async () => {
    const owl = await worker("Night Owl");
    afterADeath = await occurrenceIdOf(owl, "After a death", at(21, 30));
    loneWorking = await occurrenceIdOf(owl, "Lone working at night", at(22, 0));
    await owl.goto(`${app.url}/sessions/${afterADeath}/room`);
    const phase = owl.getByTestId("room-phase");
    expect(await phase.getAttribute("data-phase")).toBe("late");
    expect(await phase.textContent()).toContain("It's past 21:30 and Dev hasn't opened the room yet.");
    expect(await phase.textContent()).toContain("We've let the coordinators know.");
    await owl.getByTestId("join-listen").click();
    await expect.poll(() => owl.getByTestId("leave").count(), { timeout: 20_000 }).toBe(1);
    // The Join buttons are gone: keyboard focus is on Mute, whose label says what it does (no pressed state as well).
    await expect.poll(() => owl.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("mute");
    expect(await owl.getByTestId("mute").textContent()).toBe("Unmute");
    expect(await owl.getByTestId("mute").getAttribute("aria-pressed")).toBeNull();
    expect(await phase.getAttribute("data-phase")).toBe("late");
    expect(await phase.textContent()).toContain("You're in. It's past 21:30 and Dev hasn't opened the room yet.");
    expect(await phase.textContent()).not.toContain("will open the room at");
    expect(await seriousA11yViolations(owl)).toEqual([]);

    // Tonight says the same, naming who was told (no backup on this series: the coordinators).
    await owl.goto(app.url);
    const late = card(owl, "After a death", at(21, 30)).getByTestId("room-state");
    expect(await late.getAttribute("data-state")).toBe("late");
    expect(await late.textContent()).toContain("Waiting for Dev. We've let the coordinators know.");
    expect(await card(owl, "After a death", at(21, 30)).getByTestId("join").count()).toBe(1);

    // Another worker opens the room page now, and presses Join only after the grace period.
    waiting = await worker("Kit");
    await waiting.goto(`${app.url}/sessions/${afterADeath}/room`);
    await waiting.getByTestId("join-listen").waitFor();
  });

  it("at 21:50 it is not going ahead: joining is refused with what to do next, on every screen", async () => {
    setClock(at(21, 50));
    await waiting.getByTestId("join-listen").click();
    const refusal = waiting.getByTestId("room-refusal");
    await refusal.waitFor({ timeout: 15_000 });
    expect(await refusal.getAttribute("data-code")).toBe("not_running");
    await expect
      .poll(() => waiting.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("room-refusal");
    expect(await refusal.textContent()).toContain("isn't going ahead");
    expect(await nextSteps(refusal)).toEqual([
      "See other sessions",
      "Talk to someone one to one",
      "Samaritans: 116 123",
    ]);
    expect(await waiting.getByText("You're in.").count()).toBe(0);

    // Coming back to the room page: said at once, and no way in.
    await waiting.reload();
    const closed = waiting.getByTestId("room-closed");
    expect(await closed.getAttribute("data-state")).toBe("not-running");
    expect(await closed.textContent()).toContain("Dev couldn't make it, so this session isn't going ahead tonight.");
    expect(await waiting.getByTestId("join-listen").count()).toBe(0);
    expect(await waiting.getByTestId("join-talk").count()).toBe(0);
    expect(await seriousA11yViolations(waiting)).toEqual([]);

    // Tonight: a notice, not the success colour, and nothing to join or count yourself in for.
    await waiting.goto(app.url);
    const session = card(waiting, "After a death", at(21, 30));
    const state = session.getByTestId("room-state");
    expect(await state.getAttribute("data-state")).toBe("not-running");
    expect(await state.textContent()).toContain("this session is not going ahead");
    expect(await state.evaluate((el) => el.classList.contains("notice"))).toBe(true);
    const colours = await state.evaluate((el) => ({
      text: getComputedStyle(el.querySelector("p")!).color,
      ok: getComputedStyle(document.documentElement).getPropertyValue("--ok").trim(),
    }));
    expect(colours.text).not.toBe(hexToRgb(colours.ok));
    expect(await session.getByTestId("join").count()).toBe(0);
    expect(await session.getByRole("button", { name: "Count me in" }).count()).toBe(0);
    expect(await session.getByTestId("places-left").count()).toBe(0); // no places in a session that is not happening
    expect(await nextSteps(state)).toContain("Talk to someone one to one");

    // /talk with nobody on call: the next drop-in that is going ahead, not the one that is not.
    await waiting.goto(`${app.url}/talk`);
    expect(await waiting.getByTestId("talk-availability").textContent()).toContain(
      "Nobody is free right now: the next drop-in is tonight at 22:00",
    );
    expect(await waiting.getByTestId("talk-drop-in").textContent()).toContain("Lone working at night");
  });
});

describe("a room the audio cannot carry more people into", () => {
  it("offers only the places the built-in audio carries, says when it is full, and why a Join was refused", async () => {
    setClock(at(21, 52));
    const kit = waiting;
    await kit.goto(app.url);
    const session = card(kit, "Lone working at night", at(22, 0));
    // Capacity 12, but the built-in audio carries six voices, two of them kept for those running the session.
    expect(await session.getByTestId("places-left").textContent()).toBe("4 places left");
    await kit.goto(`${app.url}/sessions/${loneWorking}`);
    expect(await kit.getByTestId("places-left").textContent()).toBe("4 places left of 4");

    // Joanne opens the room: /talk now points there.
    joanne = await signIn("joanne@offshift.example");
    await joanne.goto(`${app.url}/sessions/${loneWorking}`);
    await joanne.getByTestId("open-room").click();
    await expect
      .poll(() => joanne.getByTestId("lobby-status").getAttribute("data-state"), { timeout: 15_000 })
      .toBe("open");
    await kit.goto(`${app.url}/talk`);
    expect(await kit.getByTestId("talk-availability").textContent()).toContain("a drop-in is open now");
    expect(await kit.getByTestId("talk-drop-in").textContent()).toContain("Lone working at night is open now");

    // Someone else has the session's page open: its places follow the room without a reload.
    const eve = await worker("Eve");
    await eve.goto(`${app.url}/sessions/${loneWorking}`);
    expect(await eve.getByTestId("places-left").textContent()).toBe("4 places left of 4");

    // Kit has the room page open; four others come in and fill it.
    await kit.goto(`${app.url}/sessions/${loneWorking}/room`);
    await kit.getByTestId("join-listen").waitFor();
    const others: BrowserContext[] = [];
    for (const name of ["Ash", "Bea", "Cal", "Dee"]) others.push((await worker(name)).context());
    for (const context of others) await inRoom(context, loneWorking);

    await expect
      .poll(() => eve.getByTestId("places-left").textContent(), { timeout: 15_000 })
      .toBe("No places left of 4");
    await eve.context().close();

    await kit.getByTestId("join-listen").click();
    const refusal = kit.getByTestId("room-refusal");
    await refusal.waitFor({ timeout: 15_000 });
    expect(await refusal.getAttribute("data-code")).toBe("full");
    expect(await refusal.textContent()).toContain("This room is full");
    expect(await nextSteps(refusal)).toContain("See other sessions");
    expect(await kit.locator("body").textContent()).not.toMatch(/LIVEKIT|LiveKit/);

    // Every page says so now.
    await kit.reload();
    expect(await kit.getByTestId("room-door").getAttribute("data-door")).toBe("full");
    expect(await nextSteps(kit.getByTestId("room-door"))).toContain("Talk to someone one to one");
    await kit.goto(`${app.url}/sessions/${loneWorking}`);
    expect(await kit.getByTestId("enter-room").count()).toBe(0);
    expect(await kit.getByTestId("room-door").textContent()).toContain("The room is full right now.");
    expect(await kit.getByTestId("places-left").textContent()).toBe("No places left of 4");
    await kit.goto(app.url);
    expect(await session.getByTestId("room-state").getAttribute("data-state")).toBe("full");
    expect(await session.getByTestId("room-state").textContent()).not.toContain("The room is open");
    expect(await session.getByTestId("join").count()).toBe(0);
    expect(await session.getByTestId("places-left").textContent()).toBe("no places left");
    expect(await seriousA11yViolations(kit)).toEqual([]);

    // Joanne comes in (her place was kept) and locks the room; someone leaves; still no way in, and it says why.
    await inRoom(joanne.context(), loneWorking, "mod:lock", { locked: true });
    const leaving = sockets.at(0)!;
    expect(await leaving.emitWithAck("room:leave", {})).toMatchObject({ ok: true });
    await kit.goto(`${app.url}/sessions/${loneWorking}/room`);
    expect(await kit.getByTestId("room-door").getAttribute("data-door")).toBe("locked");
    expect(await kit.getByTestId("room-door").textContent()).toContain("locked the room to newcomers");
    await kit.goto(app.url);
    expect(await session.getByTestId("room-state").getAttribute("data-state")).toBe("locked");
    expect(await session.getByTestId("join").count()).toBe(0);
  });
});

describe("a session called off while a worker has its room open", () => {
  it("says it is cancelled, with what to do next, and the room refuses them", async () => {
    const kit = waiting;
    await kit.goto(`${app.url}/sessions/${loneWorking}/room`);
    await kit.getByTestId("join-listen").waitFor();
    await expect.poll(() => kit.getByTestId("connection-status").textContent(), { timeout: 15_000 }).toContain("Live");

    await joanne.goto(`${app.url}/facilitator`);
    const row = joanne
      .locator("[data-testid=my-series]")
      .filter({ hasText: "Lone working at night" })
      .locator(`[data-testid=my-occurrence]:has(time[datetime="${at(22, 0).toISOString()}"])`);
    await row.locator("summary").click();
    await row.getByRole("button", { name: /Cancel Lone working at night/ }).click();

    // The open room page changes by itself.
    const closed = kit.getByTestId("room-closed");
    await closed.waitFor({ timeout: 15_000 });
    expect(await closed.getAttribute("data-state")).toBe("cancelled");
    expect(await closed.textContent()).toContain("This session has been cancelled.");
    expect(await nextSteps(closed)).toContain("See other sessions");
    expect(await kit.getByTestId("join-listen").count()).toBe(0);
    // And realtime refuses a join from anywhere, saying why.
    const { ticket } = (await (await kit.context().request.get(`${app.url}/api/realtime-ticket`)).json()) as {
      ticket: string;
    };
    const socket = io(app.realtimeUrl, { auth: { ticket }, transports: ["websocket"] });
    sockets.push(socket);
    expect(await socket.emitWithAck("room:join", { occurrenceId: loneWorking, listenOnly: true })).toMatchObject({
      ok: false,
      error: { code: "cancelled" },
    });
  });
});

describe("the join form", () => {
  it("keeps where the worker was going through a mistake in the nickname", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/sessions/${afterADeath}/room`);
    await page.waitForURL(/\/join\?next=/);
    await page.getByLabel("Nickname").fill("x");
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.locator("#nickname-error").waitFor();
    await page.getByLabel("Nickname").fill("Night Heron");
    await page.getByLabel(/I agree to the group agreement/).check();
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${app.url}/sessions/${afterADeath}/room`);
  });
});

describe("asking for someone to talk to", () => {
  it("asks for the one-to-one line's own agreement, not the drop-in group's", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/talk`);
    await page.waitForURL(/\/join\?next=\/talk$/);
    expect(await page.getByTestId("agreement").getAttribute("data-kind")).toBe("talk");
    expect(await page.locator("main").textContent()).not.toContain("What's said in the group stays in the group");
    await page.getByLabel("Nickname").fill("Night Heron");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("#agreement-error").waitFor();
    expect(await page.locator("#agreement-error").textContent()).toBe(
      "Please accept the one-to-one agreement to continue",
    );
    await page.getByLabel("I agree to the one-to-one agreement").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${app.url}/talk`);
    expect(await page.getByTestId("talk-request").count()).toBe(1);
  });
});

/** The names of the "what to do next" links inside a notice. */
async function nextSteps(notice: Locator): Promise<string[]> {
  return notice.getByTestId("next-steps").locator("a").allTextContents();
}

function hexToRgb(hex: string): string {
  const n = parseInt(hex.replace("#", ""), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
