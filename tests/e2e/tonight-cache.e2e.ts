import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import pg from "pg";
import { Emitter } from "@socket.io/postgres-emitter";
import { guestChannel } from "@offshift/core";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { SocketGuest } from "../support/livekit.js";

// Tonight's shared part is served from memory (apps/web/src/lib/server/tonight.ts). Here it is
// kept for 10 minutes, far longer than these tests run, so only invalidation can make a change
// show: a change made through web must be on the very next request, and a change published by
// another process (another web instance, realtime) must clear it when its event arrives.
const pgDir = tempDir("tonight-cache-pg");
const dataDir = tempDir("tonight-cache-app");
let database: EmbeddedPostgresHandle;
let app: RunningApp;
let sql: pg.Client;

beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_tonight_cache" });
  app = await startApp({ DATABASE_URL: database.url, DATA_DIR: dataDir, TONIGHT_CACHE_MS: "600000" });
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await database?.stop();
  removeDir(pgDir);
  removeDir(dataDir);
});

const tonight = async (cookie?: string) => (await fetch(`${app.url}/`, { headers: cookie ? { cookie } : {} })).text();

/** The card of one occurrence in Tonight's HTML, or undefined when it is not listed. */
const cardOf = (html: string, occurrenceId: string) =>
  new RegExp(`data-occurrence-id="${occurrenceId}"[\\s\\S]*?</article>`).exec(html)?.[0];

const plannedOn = (html: string, occurrenceId: string) =>
  /data-testid="planning-count">([^<]*)</.exec(cardOf(html, occurrenceId) ?? "")?.[1];

/** Every occurrence listed, in page order. */
const listed = (html: string) => [...html.matchAll(/data-occurrence-id="([0-9a-f-]{36})"/g)].map((m) => m[1]!);

async function newGuest(nickname: string): Promise<string> {
  const res = await fetch(`${app.url}/join?/join`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: app.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ nickname, agreement: "on", next: "/" }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("offshift_guest="));
  expect(cookie, `joining as a guest answered ${res.status}`).toBeDefined();
  return cookie!.split(";")[0]!;
}

describe("Tonight from memory", () => {
  it("serves every visitor the same finished page, each with their own browser key and nobody else's", async () => {
    const visit = () => fetch(`${app.url}/`, { headers: { "accept-encoding": "br" } });
    // Once the process hears changes (its LISTEN is up), the page is made once and kept.
    await expect
      .poll(async () => (await visit()).headers.get("etag") === (await visit()).headers.get("etag"))
      .toBe(true);
    const [a, b] = [await visit(), await visit()];
    const keyOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith("offshift_bk="));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(keyOf(a)).toMatch(/^offshift_bk=[\w-]{32};/);
    expect(keyOf(b)).toMatch(/^offshift_bk=[\w-]{32};/);
    expect(keyOf(a)).not.toBe(keyOf(b));
    expect(a.headers.getSetCookie()).toHaveLength(1);
    expect(b.headers.getSetCookie()).toHaveLength(1);
    expect(b.headers.get("content-encoding")).toBe("br");
    expect(Buffer.from(await b.arrayBuffer())).toEqual(Buffer.from(await a.arrayBuffer()));
    // A visitor who already has a key is not given another.
    const again = await fetch(`${app.url}/`, { headers: { cookie: keyOf(a)!.split(";")[0]! } });
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it("shows a 'count me in' on the very next request, to everyone", async () => {
    const guest = await newGuest("Cache Owl");
    const before = await tonight();
    // Nobody has counted themselves in yet on a fresh start.
    const occurrenceId = listed(before).find((id) => plannedOn(before, id) === "0 people plan to come")!;
    expect(occurrenceId).toBeDefined();

    const res = await fetch(`${app.url}/?/intent`, {
      method: "POST",
      headers: { origin: app.url, cookie: guest, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ occurrenceId, intent: "join" }),
    });
    expect(res.status).toBe(200);
    await res.text();

    // The next request after the change, from someone else and from the guest: no waiting.
    expect(plannedOn(await tonight(), occurrenceId)).toBe("1 person plans to come");
    const theirs = await tonight(guest);
    expect(plannedOn(theirs, occurrenceId)).toBe("1 person plans to come");
    expect(cardOf(theirs, occurrenceId)).toContain("I can't make it now");
  });

  it("remembers what a guest counted themselves in for, until a count made by another process arrives", async () => {
    const guest = await newGuest("Elsewhere Owl");
    const { rows } = await sql.query<{ id: string }>(`select id from "Guest" where nickname = 'Elsewhere Owl'`);
    // The attendance key of the guest's identity (db's attendanceKey): the table never holds the identity itself.
    const key = createHash("sha256").update(guestChannel(rows[0]!.id)).digest("base64url");
    const counts = (html: string, id: string) => cardOf(html, id)?.includes("I can't make it now");
    // Counted in by another web instance: first in the database. The guest's Tonight is still the
    // remembered one (an earlier event may clear the memory first: then undo and try again).
    let occurrenceId: string | undefined;
    for (let attempt = 1; !occurrenceId; attempt++) {
      const page = await tonight(guest);
      const candidate = listed(page).find((id) => cardOf(page, id)?.includes(">Count me in<"))!;
      await sql.query(`insert into "AttendanceIntent" ("occurrenceId", "browserKey") values ($1, $2)`, [
        candidate,
        key,
      ]);
      if (!counts(await tonight(guest), candidate)) occurrenceId = candidate;
      else
        await sql.query(`delete from "AttendanceIntent" where "occurrenceId" = $1 and "browserKey" = $2`, [
          candidate,
          key,
        ]);
      expect(attempt, "the guest's Tonight was never served from memory").toBeLessThan(50);
    }
    // Then that instance's event: the guest's next Tonight says they are coming.
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      new Emitter(pool).to("public").emit("dropin:attendance", { occurrenceId, planning: 1 });
      await expect.poll(async () => counts(await tonight(guest), occurrenceId!)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it("drops a session cancelled by another process once that process's event arrives", async () => {
    const setStatus = (id: string, status: "SCHEDULED" | "CANCELLED") =>
      sql.query(`update "DropInOccurrence" set status = $2 where id = $1`, [id, status]);
    // As another web instance cancels a session: first in the database. Tonight is still the
    // remembered one (an event from earlier, such as the last test's, may still clear the memory
    // first: then undo and try again, until the remembered Tonight is seen).
    let occurrenceId: string | undefined;
    const feed = async () => (await fetch(`${app.url}/sessions.ics`)).text();
    /** The STATUS line of one occurrence's event in the calendar feed. */
    const statusInFeed = (ics: string, id: string) =>
      new RegExp(`UID:${id}@offshift[\\s\\S]*?STATUS:(\\w+)`).exec(ics.replace(/\r\n /g, ""))?.[1];
    for (let attempt = 1; !occurrenceId; attempt++) {
      const candidate = listed(await tonight())[0]!;
      await feed(); // calendar feeds are kept in memory too
      await setStatus(candidate, "CANCELLED");
      const [page, ics] = [await tonight(), await feed()];
      if (listed(page).includes(candidate) && statusInFeed(ics, candidate) === "CONFIRMED") occurrenceId = candidate;
      else await setStatus(candidate, "SCHEDULED");
      expect(attempt, "Tonight was never served from memory").toBeLessThan(50);
    }
    // Then its event through the official Postgres emitter, which every realtime node (and
    // every web instance) hears.
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      new Emitter(pool).to("public").emit("dropin:schedule", { occurrenceId, change: "cancelled" });
      await expect.poll(async () => listed(await tonight())).not.toContain(occurrenceId);
      // The feed kept from before the change is dropped with it.
      expect(statusInFeed(await feed(), occurrenceId!)).toBe("CANCELLED");
    } finally {
      await pool.end();
    }
  });

  it("shows the places a worker just took in a room, once realtime says so", async () => {
    // A session whose lobby is open now, made as the horizon job makes one; then Tonight is told.
    const { rows } = await sql.query<{ id: string }>(
      `INSERT INTO "DropInOccurrence" ("id", "seriesId", "originalStart", "startsAt", "endsAt", "title", "theme",
                                       "description", "capacity", "facilitatorId", "updatedAt")
       SELECT gen_random_uuid(), s."id", now() + interval '5 minutes', now() + interval '5 minutes',
              now() + interval '65 minutes', s."title", s."theme", s."description", s."capacity", s."facilitatorId", now()
       FROM "DropInSeries" s ORDER BY s."createdAt" LIMIT 1
       RETURNING "id"`,
    );
    const occurrenceId = rows[0]!.id;
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      new Emitter(pool).to("public").emit("dropin:schedule", { occurrenceId, change: "created" });
      await expect.poll(async () => listed(await tonight())).toContain(occurrenceId);
    } finally {
      await pool.end();
    }
    const placesLeft = async () =>
      /data-testid="places-left">([^<]*)</.exec(cardOf(await tonight(), occurrenceId) ?? "")?.[1];
    const before = await placesLeft();
    expect(before).toMatch(/places? left/);

    const guest = await SocketGuest.create(app, "Places Owl");
    try {
      const joined = await guest.send("room:join", { occurrenceId, listenOnly: true });
      expect(joined.ok, JSON.stringify(joined)).toBe(true);
      // Only realtime's event can clear the ten-minute memory: the place taken shows.
      await expect.poll(placesLeft, { timeout: 15_000 }).not.toBe(before);
    } finally {
      guest.close();
    }
  });
});
