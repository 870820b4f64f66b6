import pg from "pg";

/** What the hot path asks of a connection: `query`, as `pg.Pool` and `pg.Client` have it. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    config: pg.QueryConfig | string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** One connection's place: the connection (connecting or open), the client behind it, what is in flight on it. */
interface Slot {
  client: Promise<pg.Client> | null;
  current: pg.Client | null;
  pending: number;
  /** Statements are being held on this connection until the end of the event loop's turn (see `#send`). */
  corked: boolean;
}

/** node-postgres's socket to the server: not in its typings. */
type WithStream = { connection?: { stream?: { cork?: () => void; uncork?: () => void } } };

/** The slot's connection is `client` no more (it failed or ended), so the next statement opens a new one. */
function forget(slot: Slot, client: pg.Client): void {
  if (slot.current !== client) return;
  slot.current = null;
  slot.client = null;
}

const closed = () => new Error("Pipelines: the database handle was closed");

/**
 * A few connections in PostgreSQL's pipeline mode (node-postgres `pipeline:
 * true`), for the realtime hot path's single statements: a query is sent at
 * once, without waiting for the one before it on the same connection to be
 * answered, and the server answers them in order. Each statement is still its
 * own transaction (each carries its own Sync, so one that fails fails alone).
 *
 * Why: on a busy node every room command, join and chat read used to take a
 * pooled connection for one short statement, one write and one wake-up of a
 * server process each. Pipelined, statements that arrive together share the
 * wake-ups on both sides, and no statement waits for a free connection.
 * Only short, single statements belong here: a slow one holds up those sent
 * after it on its connection. Transactions use the pool.
 *
 * A connection that fails (the server restarted, a network drop) fails what
 * was in flight on it to its callers and is replaced on the next query.
 */
export class Pipelines implements Queryable {
  readonly #config: pg.ClientConfig;
  readonly #slots: Slot[];
  #ended = false;

  constructor(config: pg.ClientConfig, width = 2) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError("Pipelines: width must be a positive integer");
    this.#config = config;
    this.#slots = Array.from({ length: width }, () => ({ client: null, current: null, pending: 0, corked: false }));
  }

  /**
   * `hold: false` sends at once, for a caller that already waited for the
   * end of the loop's turn (room writes, see RoomWrites): held again, its
   * statement would wait for the next turn's.
   */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    config: pg.QueryConfig | string,
    values?: unknown[],
    options: { hold?: boolean } = {},
  ): Promise<pg.QueryResult<R>> {
    if (this.#ended) throw closed();
    // The connection with the least in flight: a slow statement on one does not hold up the rest.
    const slot = this.#slots.reduce((best, s) => (s.pending < best.pending ? s : best));
    slot.pending += 1;
    let client: pg.Client | undefined;
    try {
      client = await this.#connected(slot);
      if (options.hold !== false) this.#hold(slot, client);
      return await client.query<R>(config as pg.QueryConfig, values);
    } catch (err) {
      // The connection itself failed (the server ended it, a reset): the next statement must not be sent
      // on it before its own 'end' arrives. A statement's own error (severity ERROR) leaves it in use.
      const severity = (err as { severity?: string } | null)?.severity;
      if (client && severity !== "ERROR" && severity !== "NOTICE") forget(slot, client);
      throw err;
    } finally {
      slot.pending -= 1;
    }
  }

  /**
   * Holds what is sent on this connection until the event loop has run every
   * callback that is ready now (`setImmediate`), then sends it all in one
   * write. A burst (48 sockets joining at once: their tickets, the rooms'
   * writes) then costs one system call and one wake-up of the server process
   * per turn of the loop, not one per statement: in a profile of the connect
   * burst, those writes were a third of the node's time. A statement waits
   * at most for the rest of the loop's current turn.
   */
  #hold(slot: Slot, client: pg.Client): void {
    if (slot.corked) return;
    const stream = (client as unknown as WithStream).connection?.stream;
    if (!stream?.cork || !stream.uncork) return;
    stream.cork();
    slot.corked = true;
    setImmediate(() => {
      slot.corked = false;
      stream.uncork!();
    });
  }

  #connected(slot: Slot): Promise<pg.Client> {
    if (this.#ended) return Promise.reject(closed());
    if (slot.client) return slot.client;
    const client = new pg.Client({ ...this.#config, pipeline: true } as pg.ClientConfig);
    // A lost connection fails its queries to their callers; it must never end the process.
    client.on("error", () => forget(slot, client));
    client.on("end", () => forget(slot, client));
    slot.current = client;
    slot.client = client.connect().then(
      () => client,
      (err: unknown) => {
        forget(slot, client);
        throw err;
      },
    );
    return slot.client;
  }

  /** Ends every connection (after what is in flight is answered). */
  async end(): Promise<void> {
    this.#ended = true;
    const open = this.#slots.map((s) => s.client);
    for (const s of this.#slots) {
      s.client = null;
      s.current = null;
    }
    await Promise.all(
      open.map(async (c) => (c ? (await c.catch(() => null))?.end().catch(() => undefined) : undefined)),
    );
  }
}
