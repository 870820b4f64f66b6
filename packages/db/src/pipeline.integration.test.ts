import net from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Pipelines } from "./pipeline.js";
import { useTestDatabase } from "./testing/per-file.js";

const database = useTestDatabase("pipeline");

const open: Pipelines[] = [];
const pipelines = (width: number, applicationName = `pipeline-${Math.random().toString(36).slice(2)}`) => {
  const p = new Pipelines({ connectionString: database.url(), application_name: applicationName }, width);
  open.push(p);
  return { p, applicationName };
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.end()));
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: database.url() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const backends = (applicationName: string) =>
  admin(async (c) =>
    (
      await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid", [
        applicationName,
      ])
    ).rows.map((r) => r.pid),
  );

describe("Pipelines", () => {
  it("answers many statements sent at once, each with its own answer, on no more connections than its width", async () => {
    const { p, applicationName } = pipelines(2);
    const named = (i: number) => ({ name: "pipeline_echo", text: "SELECT $1::int * 2 AS x", values: [i] });
    // A named statement sent many times before its first answer is prepared once per connection, not refused.
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => p.query<{ x: number }>(named(i))));
    expect(answers.map((a) => a.rows[0]!.x)).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect((await backends(applicationName)).length).toBe(2);
  });

  it("sends the statements of one turn of the event loop in one write per connection", async () => {
    const { p } = pipelines(2);
    await Promise.all([p.query("SELECT 1"), p.query("SELECT 1")]); // both connections open
    // Every write to any socket in this process while the burst goes out (nothing else is talking).
    const writev = vi.spyOn(net.Socket.prototype as unknown as { _writev: () => void }, "_writev");
    const write = vi.spyOn(net.Socket.prototype as unknown as { _write: () => void }, "_write");
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => p.query("SELECT $1::int AS x", [i])));
      expect(answers.map((a) => a.rows[0]!.x)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      // One system call per connection (each statement is 4 messages: 200 writes unheld).
      expect(writev.mock.calls.length + write.mock.calls.length).toBe(2);
    } finally {
      writev.mockRestore();
      write.mockRestore();
    }
  });

  it("sends a statement told not to wait (hold: false) before the turn of the event loop ends", async () => {
    const { p } = pipelines(1);
    await p.query("SELECT 1"); // the connection is open
    const write = vi.spyOn(net.Socket.prototype as unknown as { _write: () => void }, "_write");
    const writev = vi.spyOn(net.Socket.prototype as unknown as { _writev: () => void }, "_writev");
    const writes = () => write.mock.calls.length + writev.mock.calls.length;
    try {
      // What had been written when this turn of the loop ended (this callback runs before the held ones').
      let atTurnEnd = -1;
      setImmediate(() => (atTurnEnd = writes()));
      const now = p.query("SELECT 2 AS x", undefined, { hold: false });
      const held = p.query("SELECT 3 AS x");
      expect([(await now).rows[0]!.x, (await held).rows[0]!.x]).toEqual([2, 3]);
      expect(atTurnEnd).toBe(1);
      expect(writes()).toBe(2);
    } finally {
      writev.mockRestore();
      write.mockRestore();
    }
  });

  it("a statement that fails fails alone: those before and after it on the connection are answered", async () => {
    const { p } = pipelines(1);
    const results = await Promise.allSettled([
      p.query("SELECT 1 AS x"),
      p.query("SELECT 1 / 0 AS x"),
      p.query("SELECT 3 AS x"),
    ]);
    expect(results[0]).toMatchObject({ status: "fulfilled" });
    expect(results[1]).toMatchObject({ status: "rejected", reason: { code: "22012" } });
    expect(results[2]).toMatchObject({ status: "fulfilled", value: { rows: [{ x: 3 }] } });
  });

  it("a connection the server ends fails what was in flight on it, and the next statement gets a new one", async () => {
    const { p, applicationName } = pipelines(1);
    await p.query("SELECT 1");
    const [pid] = await backends(applicationName);
    const inFlight = p.query("SELECT pg_sleep(5)").then(
      () => null,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 100));
    await admin((c) => c.query("SELECT pg_terminate_backend($1)", [pid]));
    expect(await inFlight).toBeInstanceOf(Error);
    // Replaced on the next query, and the process is still here (no unhandled 'error').
    expect((await p.query<{ x: number }>("SELECT 7 AS x")).rows[0]!.x).toBe(7);
    const now = await backends(applicationName);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(pid);
  });

  it("refuses statements once ended", async () => {
    const { p } = pipelines(1);
    await p.query("SELECT 1");
    await p.end();
    await expect(p.query("SELECT 1")).rejects.toThrow(/closed/);
  });
});
