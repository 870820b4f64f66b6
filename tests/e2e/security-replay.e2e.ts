import { writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { launchBrowser } from "../support/browser.js";
import { linkIn } from "../support/smtp.js";
import { londonDay } from "../support/clock.js";

// The attacks of issue 13, replayed against a running app as an attacker would
// make them: from another machine on the network, with scripts rather than pages.
// The app listens on every interface (the riskiest setting a one-machine install
// may choose) and keeps mail in the development mailbox (no SMTP_URL), so the
// mailbox is the prize. The clock is pinned to 21:55 next Tuesday, London: the
// lobby of "Lone working at night" (Joanne, 22:00) is open.
const dataDir = tempDir("security-replay");
const clockFile = path.join(dataDir, "now.txt");
const at = londonDay(2, 7);

let app: RunningApp;
let browser: Browser;
let lan: string;
let port: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  writeFileSync(clockFile, at(21, 55).toISOString());
  app = await startApp({ DATA_DIR: dataDir, HOST: "0.0.0.0", NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: clockFile });
  browser = await launchBrowser();
  port = new URL(app.url).port;
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal);
  if (!address) throw new Error("this test needs a network interface other than loopback");
  lan = address.address;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  await app?.stop();
  removeDir(dataDir);
});

const form = (base: string, route: string, fields: Record<string, string>, cookie?: string) =>
  fetch(`${base}${route}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-sveltekit-action": "true",
      origin: base,
      ...(cookie ? { cookie } : {}),
    },
  });

/** What the development mailbox holds, read from this machine (as its owner may). */
const mailbox = async () => await (await fetch(`${app.url}/dev/mailbox/__data.json`)).text();

/** A scripted guest: a nickname, its cookie, a socket with its own ticket. */
async function scriptedGuest(nickname: string): Promise<Socket> {
  const res = await form(app.url, "/join?/join", { nickname, agreement: "on", next: "/" });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const { ticket } = (await (await fetch(`${app.url}/api/realtime-ticket`, { headers: { cookie } })).json()) as {
    ticket: string;
  };
  const socket = io(app.realtimeUrl, { auth: { ticket }, transports: ["websocket"], reconnection: false });
  sockets.push(socket);
  return socket;
}

let occurrenceId: string;

describe("attacks replayed against a running app", () => {
  it("another machine asks for the coordinator's sign-in link and cannot read it from the mailbox", async () => {
    const remote = `http://${lan}:${port}`;
    const asked = await form(remote, "/signin", { email: "priya@offshift.example" });
    expect(asked.status).toBeLessThan(500);
    // The link went to the mailbox (this machine sees it) ...
    await expect.poll(mailbox).toContain("priya@offshift.example");
    // ... and the attacker, whatever they claim to be, gets neither the page nor its data.
    const spoofed = { "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1", forwarded: "for=127.0.0.1" };
    expect((await fetch(`${remote}/dev/mailbox`, { headers: spoofed })).status).toBe(404);
    const data = await (await fetch(`${remote}/dev/mailbox/__data.json`, { headers: spoofed })).text();
    expect(data).not.toContain("priya@offshift.example");
    expect(data).not.toMatch(/token=|magic-link/);
  });

  it("asking better-auth directly for links sends none", async () => {
    const before = (await mailbox()).split("maria@offshift.example").length;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://${lan}:${port}/api/auth/sign-in/magic-link`, {
        method: "POST",
        body: JSON.stringify({ email: "maria@offshift.example", callbackURL: "/me" }),
        headers: { "content-type": "application/json", origin: `http://${lan}:${port}` },
      });
      expect(res.status).toBe(404);
    }
    expect((await mailbox()).split("maria@offshift.example").length).toBe(before);
  });

  it("six scripted guests in the lobby do not lock the facilitator out", async () => {
    const html = await (await fetch(app.url)).text();
    const card = html
      .split('data-testid="session-card"')
      .find((c) => c.includes("Lone working at night") && c.includes(`datetime="${at(22, 0).toISOString()}"`));
    occurrenceId = /data-occurrence-id="([0-9a-f-]{36})"/.exec(card ?? "")![1]!;
    const guests = await Promise.all(["Ash", "Bea", "Cal", "Dee", "Eli", "Fen"].map(scriptedGuest));
    const joins: { ok: boolean; data?: { memberId: string } }[] = [];
    for (const g of guests) joins.push(await g.emitWithAck("room:join", { occurrenceId, listenOnly: true }));
    // The built-in audio carries six, two of them kept for facilitators: four guests get in, the rest are told it is full.
    expect(joins.map((j) => (j.ok ? "in" : (j as unknown as { error: { code: string } }).error.code))).toEqual([
      "in",
      "in",
      "in",
      "in",
      "full",
      "full",
    ]);

    // Joanne signs in (her link read from the mailbox on this machine) and still gets into her own room.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/signin`);
    await page.getByLabel("Email address").fill("joanne@offshift.example");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await expect.poll(mailbox).toContain("joanne@offshift.example");
    await page.goto(`${app.url}/dev/mailbox`);
    await page.goto(
      linkIn(
        (await page.locator("body").textContent())!.slice(
          (await page.locator("body").textContent())!.indexOf("joanne@offshift.example"),
        ),
      ),
    );
    const { ticket } = (await (await page.context().request.get(`${app.url}/api/realtime-ticket`)).json()) as {
      ticket: string;
    };
    const joanne = io(app.realtimeUrl, { auth: { ticket }, transports: ["websocket"], reconnection: false });
    sockets.push(joanne);
    expect(await joanne.emitWithAck("room:join", { occurrenceId, listenOnly: true })).toMatchObject({ ok: true });
    expect(await joanne.emitWithAck("mod:open", {})).toMatchObject({ ok: true });

    // A removed guest's socket learns nothing more and can do nothing more in that room.
    const [ash, bea] = guests as [Socket, Socket];
    const ashId = joins[0]!.data!.memberId;
    const beaId = joins[1]!.data!.memberId;
    const heardByAsh: string[] = [];
    ash.on("room:chat", (line: { text: string }) => heardByAsh.push(line.text));
    expect(await joanne.emitWithAck("mod:remove", { participantId: ashId })).toMatchObject({
      ok: true,
    });
    const heardByBea = new Promise<string>((resolve) =>
      bea.on("room:chat", (line: { text: string }) => resolve(line.text)),
    );
    expect(await joanne.emitWithAck("room:chat", { text: "said after the removal" })).toMatchObject({ ok: true });
    expect(await heardByBea).toBe("said after the removal");
    expect(heardByAsh).toEqual([]);
    expect(await ash.emitWithAck("room:sync", { afterChatSeq: 0 })).toMatchObject({ ok: false });
    expect(await ash.emitWithAck("room:chat", { text: "still here?" })).toMatchObject({ ok: false });
    expect(await ash.emitWithAck("rtc:signal", { to: beaId, signal: { kind: "hello", session: "s" } })).toMatchObject({
      ok: false,
    });
    expect(await ash.emitWithAck("room:join", { occurrenceId, listenOnly: true })).toMatchObject({
      ok: false,
      error: { code: "removed" },
    });
  });
});
