import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instantFromWallTime, wallTimeAt } from "@offshift/core";
import { liveKitServerForTests } from "@offshift/db/testing";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { RtcParticipant, SocketGuest } from "../support/livekit.js";

// `npm start` on a machine with a livekit-server binary: the launcher runs it on
// loopback by itself (no LIVEKIT_URL given), and a drop-in then holds its full
// capacity: twelve guests join its open lobby through the socket API, each gets
// a token for the launcher's own LiveKit, and their audio flows through it.
const bin = liveKitServerForTests("one-machine LiveKit e2e");
const dataDir = tempDir("one-machine-livekit");
const clockFile = path.join(dataDir, "now.txt");
const LONDON = "Europe/London";
// 21:55 tonight: the seeded 22:00 "Lone working at night" (12 places) has its lobby open.
const now = instantFromWallTime({ ...wallTimeAt(new Date(), LONDON), hour: 21, minute: 55, second: 0 }, LONDON);

let app: RunningApp;
const guests: SocketGuest[] = [];
const tones: RtcParticipant[] = [];

describe.skipIf(!bin)("one machine with livekit-server", () => {
  beforeAll(async () => {
    writeFileSync(clockFile, now.toISOString());
    app = await startApp({
      DATA_DIR: dataDir,
      LIVEKIT_SERVER_BIN: bin!,
      NODE_ENV: "test",
      OFFSHIFT_TEST_CLOCK_FILE: clockFile,
    });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(tones.map((t) => t.stop()));
    for (const g of guests) g.close();
    await app?.stop();
    removeDir(dataDir);
  }, 60_000);

  it("npm start runs LiveKit on loopback, and a drop-in takes all twelve, whose audio flows through it", async () => {
    const started = /Audio: LiveKit v\d+\.\d+\.\d+ on (ws:\/\/127\.0\.0\.1:\d+)/.exec(app.output());
    expect(started, app.output()).not.toBeNull();
    const liveKitUrl = started![1]!;

    const tonight = await (await fetch(app.url)).text();
    const card =
      /href="[^"]*sessions\/([0-9a-f-]{36})\/room(?:\?from=tonight)?"[^>]*>[^<]*Join Lone working at night/.exec(
        tonight,
      );
    expect(card, "Tonight offers Join for the seeded 22:00 session").not.toBeNull();
    const occurrenceId = card![1]!;

    const tokens: { url: string; token: string }[] = [];
    for (let i = 1; i <= 12; i++) {
      const g = await SocketGuest.create(app, `Worker ${i}`);
      guests.push(g);
      tokens.push(await g.joinRoom(occurrenceId));
    }
    expect(new Set(tokens.map((t) => t.url))).toEqual(new Set([liveKitUrl]));
    expect(guests.at(-1)!.snapshot!.members.length).toBe(12);

    // Past the room's twelve places: a plain refusal, no configuration names.
    const thirteenth = await SocketGuest.create(app, "Worker 13");
    guests.push(thirteenth);
    const refused = await thirteenth.send("room:join", { occurrenceId, listenOnly: false });
    expect(refused).toMatchObject({ ok: false, error: { code: "full" } });
    expect(JSON.stringify(refused)).not.toMatch(/LIVEKIT|URL|API/);

    // Two of them on the launcher's LiveKit hear each other's tones.
    const a = await RtcParticipant.join(tokens[0]!.url, tokens[0]!.token, { toneHz: 300 });
    const b = await RtcParticipant.join(tokens[1]!.url, tokens[1]!.token, { toneHz: 500 });
    tones.push(a, b);
    a.listenTo(b.identity);
    b.listenTo(a.identity);
    await expect.poll(() => a.energyFrom(b.identity) > 1e-3 && b.energyFrom(a.identity) > 1e-3).toBe(true);
  });
});
