// Pinned to 0.3.x: from 0.4 the adapter is built on ClusterAdapter, which drops
// messages without a top-level `nsp`, and the official @socket.io/postgres-emitter
// (0.1.1, which web publishes with) does not send one.
import { createAdapter, type PostgresAdapter } from "@socket.io/postgres-adapter";
import type pg from "pg";

/**
 * The cluster adapter (Socket.IO over PostgreSQL LISTEN/NOTIFY), told not to
 * publish to an empty cluster.
 *
 * The Postgres adapter sends every broadcast, room join/leave and disconnect
 * to the other nodes as a `pg_notify`, even when there are none. With one
 * node that is a database round trip, PostgreSQL's work and this process
 * parsing its own message back ("ignore message from self") for every
 * fan-out, about two per room command, more than the command itself costs.
 *
 * Nodes announce themselves (an initial heartbeat when they start, then one
 * every `heartbeatIntervalMs` when otherwise quiet; any message counts) and
 * the adapter forgets a node silent for `heartbeatTimeoutMs`. So once this
 * node has listened for longer than that timeout, an empty list of other
 * nodes means there are none, and a message for other nodes has no reader.
 * Heartbeats, anything that expects an answer, and the broadcasts something
 * other than a node reads (`heardOutside`: web follows drop-in events on this
 * channel to keep Tonight current) always go out. A node
 * that starts later announces itself before it accepts its first socket, so
 * the others publish again before anything of theirs can concern it.
 */
export function soloAwareAdapter(
  pool: pg.Pool,
  options: {
    heartbeatIntervalMs?: number;
    heartbeatTimeoutMs?: number;
    onError?: (err: Error) => void;
    /** Broadcast events read by listeners that are not nodes: published even when no node is there. */
    heardOutside?: (event: string) => boolean;
  } = {},
): (nsp: unknown) => PostgresAdapter {
  const heartbeatInterval = options.heartbeatIntervalMs ?? 5000;
  const heartbeatTimeout = options.heartbeatTimeoutMs ?? 10_000;
  const make = createAdapter(notifyInBatches(pool), {
    heartbeatInterval,
    heartbeatTimeout,
    errorHandler: options.onError,
  });
  // Socket.IO calls it with `new`: a function (not an arrow) that returns the adapter.
  return function (nsp: unknown) {
    const adapter = make(nsp);
    const startedAt = Date.now();
    // `publish` and `getExpectedResponseCount` are private in the typings; this is their shape in 0.3.x.
    const inner = adapter as unknown as {
      publish(document: { type: number; data?: { requestId?: string; packet?: { data?: unknown[] } } }): Promise<void>;
      getExpectedResponseCount(): number;
    };
    const publish = inner.publish.bind(inner);
    inner.publish = (document) => {
      const event = document.type === BROADCAST ? document.data?.packet?.data?.[0] : undefined;
      const forOthersOnly =
        ONE_WAY.has(document.type) &&
        document.data?.requestId === undefined &&
        !(typeof event === "string" && options.heardOutside?.(event));
      if (forOthersOnly && Date.now() - startedAt > heartbeatTimeout && inner.getExpectedResponseCount() === 0)
        return Promise.resolve();
      return publish(document);
    };
    return adapter;
  };
}

/** Message types (0.3.x `EventType`) that only act on other nodes and wait for no answer. */
const BROADCAST = 3;
const SOCKETS_JOIN = 4;
const SOCKETS_LEAVE = 5;
const DISCONNECT_SOCKETS = 6;
const SERVER_SIDE_EMIT = 9;
const ONE_WAY = new Set([BROADCAST, SOCKETS_JOIN, SOCKETS_LEAVE, DISCONNECT_SOCKETS, SERVER_SIDE_EMIT]);

const NOTIFY = "SELECT pg_notify($1, $2)";

/**
 * The pool as the adapter sees it, with its `pg_notify`s sent together: the
 * adapter sends one statement per message, so a node joining 48 sockets at
 * once made 48 round trips for its announcements alone. Here what arrives in
 * one turn of the event loop goes in one statement, while that one is in
 * flight the next batch gathers, and batches go one after another, so
 * messages leave in the order they were published (the pool alone did not
 * promise that). PostgreSQL delivers a transaction's notifications together,
 * in order, and folds identical ones into one: a message equal to one already
 * waiting starts a new batch, so nothing is folded. Everything else the
 * adapter asks of the pool passes through unchanged.
 */
export function notifyInBatches(pool: pg.Pool): pg.Pool {
  type Waiting = { channel: string; payload: string; done: (err?: unknown) => void };
  const batches: Waiting[][] = [];
  let sending = false;
  let scheduled = false;

  const send = async () => {
    scheduled = false;
    if (sending) return;
    sending = true;
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      try {
        // unnest yields in array order, and pg_notify runs as each row is read.
        await pool.query("SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)", [
          batch.map((w) => w.channel),
          batch.map((w) => w.payload),
        ]);
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.done(err);
      }
    }
    sending = false;
  };
  const enqueue = (channel: string, payload: string) =>
    new Promise<void>((resolve, reject) => {
      let open = batches.at(-1);
      // A batch in flight is out of `batches`; an equal message waiting would be folded into this one.
      if (!open || open.length >= 256 || open.some((w) => w.channel === channel && w.payload === payload))
        batches.push((open = []));
      open.push({ channel, payload, done: (err) => (err ? reject(err as Error) : resolve()) });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void send());
      }
    });

  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
      return (text: unknown, values?: unknown) => {
        if (text === NOTIFY && Array.isArray(values) && values.length === 2)
          return enqueue(String(values[0]), String(values[1])).then(() => ({ rows: [], rowCount: 1 }));
        return (target.query as (t: unknown, v?: unknown) => Promise<unknown>)(text, values);
      };
    },
  });
}
