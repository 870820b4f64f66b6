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
  const make = createAdapter(pool, { heartbeatInterval, heartbeatTimeout, errorHandler: options.onError });
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
