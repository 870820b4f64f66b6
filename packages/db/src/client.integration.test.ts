import pg from "pg";
import { describe, expect, it } from "vitest";
import { client, closeDb, createDb, poolOf } from "./client.js";
import { useTestDatabase } from "./testing/per-file.js";

const database = useTestDatabase("client");

describe("createDb", () => {
  it("a connection the database ends while it is checked out fails its holder's work, never the process", async () => {
    const db = createDb(database.url());
    const pool = poolOf(db);
    const held = await pool.connect();
    const admin = new pg.Client({ connectionString: database.url() });
    await admin.connect();
    try {
      const pid = (await held.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const ended = new Promise((resolve) => held.once("end", resolve));
      // As a restart or an administrator would: the server ends the connection between statements.
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await ended;
      await expect(held.query("SELECT 1")).rejects.toThrow();
      held.release(true);
      // The rest of the pool goes on.
      expect((await pool.query<{ x: number }>("SELECT 1 AS x")).rows[0]!.x).toBe(1);
    } finally {
      await admin.end();
      await closeDb(db);
    }
  });

  it("a query that comes after closeDb fails, and leaves no connection open behind it", async () => {
    const db = createDb(database.url());
    expect(await client(db).person.count()).toBe(0); // the pool holds a connection
    await closeDb(db);
    // As a socket's leave still in flight while a node stops: it must not open a pool nobody will end.
    await expect(client(db).person.count()).rejects.toThrow();
    const admin = new pg.Client({ connectionString: database.url() });
    await admin.connect();
    try {
      const others = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      expect(others.rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
