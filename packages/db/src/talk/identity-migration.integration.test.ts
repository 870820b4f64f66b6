import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withDatabase } from "../testing/index.js";

// The migration that turned the 1:1 line's stored channel names ("guest:<id>", "person:<id>") into
// identity columns, run on a database holding rows of the old shape: every row is kept, and names the
// same guest or person as before, or nobody where its key named nobody who still exists.

const migrations = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../prisma/migrations");
const TARGET = "talk_identities";
const all = readdirSync(migrations, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const target = all.find((name) => name.endsWith(`_${TARGET}`))!;
const sqlOf = (name: string) => readFileSync(path.join(migrations, name, "migration.sql"), "utf8");

const at = "2026-11-24T23:00:00Z";
let admin: pg.Client;
let client: pg.Client;
const name = `talk_identities_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  client = new pg.Client({ connectionString: withDatabase(inject("pgAdminUrl"), name) });
  await client.connect();
  // The history up to the migration under test, as `prisma migrate deploy` would have left it.
  for (const m of all.filter((m) => m < target)) await client.query(sqlOf(m));
});
afterAll(async () => {
  await client?.end();
  await admin?.query(`drop database if exists "${name}" with (force)`);
  await admin?.end();
});

describe("the talk identities migration", () => {
  it("converts old-shape requests, calls, waiting pages and call flags, losing no row", async () => {
    const person = randomUUID();
    const guest = randomUUID();
    const volunteer = randomUUID();
    const forgotten = randomUUID(); // a guest id no Guest row holds any more
    for (const [id, displayName] of [
      [person, "Pat Worker"],
      [volunteer, "Vic Volunteer"],
    ])
      await client.query(`INSERT INTO "Person" ("id", "displayName", "updatedAt") VALUES ($1, $2, $3)`, [
        id,
        displayName,
        at,
      ]);
    await client.query(
      `INSERT INTO "Guest" ("id", "nickname", "tokenHash", "agreementAcceptedAt", "createdAt", "lastSeenAt")
       VALUES ($1, 'Owl', $2, $3, $3, $3)`,
      [guest, randomBytes(32).toString("hex"), at],
    );
    const requests = {
      person: [randomUUID(), `person:${person}`, "WAITING"],
      guest: [randomUUID(), `guest:${guest}`, "MATCHED"],
      erased: [randomUUID(), `gone:${randomUUID()}`, "CANCELLED"],
      forgotten: [randomUUID(), `guest:${forgotten}`, "LEFT"],
      malformed: [randomUUID(), "guest:not-an-id", "CANCELLED"],
    } as const;
    for (const [id, key, status] of Object.values(requests))
      await client.query(
        `INSERT INTO "TalkRequest" ("id", "requesterKey", "status", "createdAt") VALUES ($1, $2, $3, $4)`,
        [id, key, status, at],
      );
    const calls = { guest: randomUUID(), erased: randomUUID() };
    await client.query(
      `INSERT INTO "TalkCall" ("id", "requestId", "volunteerId", "workerKey", "status", "startedAt")
       VALUES ($1, $2, $3, $4, 'ENDED', $5), ($6, $7, $3, $8, 'ENDED', $5)`,
      [calls.guest, requests.guest[0], volunteer, `guest:${guest}`, at, calls.erased, requests.erased[0], "gone:x"],
    );
    await client.query(
      `INSERT INTO "TalkPresence" ("socketId", "kind", "requesterKey", "nodeId", "heartbeatAt")
       VALUES ('p-page', 'waiting', $1, 'n1', $3), ('g-page', 'waiting', $2, 'n1', $3),
              ('bad-page', 'waiting', 'guest:a', 'n1', $3)`,
      [`person:${person}`, `guest:${guest}`, at],
    );
    await client.query(
      `INSERT INTO "SafeguardingFlag" ("id", "callId", "occurrenceId", "byPersonId", "category", "subjectKey", "createdAt")
       VALUES ($1, $2, NULL, $3, 'other', $4, $6), ($5, NULL, NULL, $3, 'other', 'm_alias', $6)`,
      [randomUUID(), calls.guest, volunteer, `guest:${guest}`, randomUUID(), at],
    );

    await client.query(sqlOf(target));

    const { rows: after } = await client.query<{
      id: string;
      requesterPersonId: string | null;
      requesterGuestId: string | null;
      status: string;
    }>(`SELECT "id", "requesterPersonId", "requesterGuestId", "status"::text FROM "TalkRequest"`);
    const byId = new Map(after.map((r) => [r.id, r]));
    expect(after).toHaveLength(5);
    expect(byId.get(requests.person[0])).toMatchObject({ requesterPersonId: person, requesterGuestId: null });
    expect(byId.get(requests.guest[0])).toMatchObject({ requesterPersonId: null, requesterGuestId: guest });
    for (const gone of [requests.erased, requests.forgotten, requests.malformed])
      expect(byId.get(gone[0])).toMatchObject({ requesterPersonId: null, requesterGuestId: null, status: gone[2] });

    const { rows: callRows } = await client.query(
      `SELECT "id", "workerPersonId", "workerGuestId" FROM "TalkCall" ORDER BY "id" = $1 DESC`,
      [calls.guest],
    );
    expect(callRows).toEqual([
      { id: calls.guest, workerPersonId: null, workerGuestId: guest },
      { id: calls.erased, workerPersonId: null, workerGuestId: null },
    ]);

    const { rows: pages } = await client.query(
      `SELECT "socketId", "requesterPersonId", "requesterGuestId" FROM "TalkPresence" ORDER BY "socketId"`,
    );
    // A waiting page naming nobody is a heartbeat of nobody: it goes (its node would drop it anyway).
    expect(pages).toEqual([
      { socketId: "g-page", requesterPersonId: null, requesterGuestId: guest },
      { socketId: "p-page", requesterPersonId: person, requesterGuestId: null },
    ]);

    const { rows: flags } = await client.query(
      `SELECT "callId", "subjectKey" FROM "SafeguardingFlag" ORDER BY "callId"`,
    );
    // The call flag's subject is its call's worker now; a drop-in flag keeps its member alias.
    expect(flags).toEqual([
      { callId: calls.guest, subjectKey: null },
      { callId: null, subjectKey: "m_alias" },
    ]);
  });

  it("then holds one identity at most, one open request and one active call per worker", async () => {
    const guest = (await client.query<{ id: string }>(`SELECT "id" FROM "Guest" LIMIT 1`)).rows[0]!.id;
    const person = (await client.query<{ id: string }>(`SELECT "id" FROM "Person" LIMIT 1`)).rows[0]!.id;
    await expect(
      client.query(
        `INSERT INTO "TalkRequest" ("id", "requesterPersonId", "requesterGuestId", "status", "createdAt")
         VALUES ($1, $2, $3, 'CANCELLED', $4)`,
        [randomUUID(), person, guest, at],
      ),
    ).rejects.toThrow(/TalkRequest_one_requester/);
    await client.query(
      `INSERT INTO "TalkRequest" ("id", "requesterGuestId", "status", "createdAt") VALUES ($1, $2, 'WAITING', $3)`,
      [randomUUID(), guest, at],
    );
    await expect(
      client.query(
        `INSERT INTO "TalkRequest" ("id", "requesterGuestId", "status", "createdAt") VALUES ($1, $2, 'OFFERED', $3)`,
        [randomUUID(), guest, at],
      ),
    ).rejects.toThrow(/TalkRequest_open_per_requester_guest/);
    await expect(
      client.query(
        `INSERT INTO "TalkPresence" ("socketId", "kind", "nodeId", "heartbeatAt") VALUES ('nobody', 'waiting', 'n1', $1)`,
        [at],
      ),
    ).rejects.toThrow(/TalkPresence_waiting_names_one_worker/);
  });
});
