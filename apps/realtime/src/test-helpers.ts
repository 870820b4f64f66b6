import { io as connect, type Socket } from "socket.io-client";
import pino from "pino";
import {
  issueTicket,
  PATCH_GAP_MS,
  RoomPatches,
  type Actor,
  type ClientToServerEvents,
  type RoomAck,
  type RoomReply,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "@offshift/core";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "./server.js";

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export const silentLogger = pino({ level: "silent" });
export const TICKET_SECRET = "test-ticket-secret-at-least-32-characters-long";

export async function startNode(
  databaseUrl: string,
  nodeId: string,
  options: Partial<RealtimeOptions> = {},
): Promise<{ server: RealtimeServer; url: string }> {
  const server = createRealtimeServer({
    databaseUrl,
    nodeId,
    corsOrigins: "*",
    ticketSecret: TICKET_SECRET,
    logger: silentLogger,
    ...options,
  });
  const port = await server.listen(0, "127.0.0.1");
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A client with a fresh, valid ticket for `actor` (a visitor by default). */
export function client(url: string, actor: Actor = { kind: "visitor" }, ticket?: string): Client {
  return connect(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: async (cb) => cb({ ticket: ticket ?? (await issueTicket(TICKET_SECRET, actor, "visitor-key")) }),
  });
}

export function connectError(socket: Client, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("expected the connection to be refused")), timeoutMs);
    socket.once("connect", () => reject(new Error("connected, but should have been refused")));
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
  });
}

export function waitFor<T>(socket: Client, event: keyof ServerToClientEvents, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(event)}`)), timeoutMs);
    socket.once(event, ((payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    }) as never);
  });
}

export async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The room as one socket's client holds it, as the browser keeps it: snapshots
 * from answers and room:state, patches applied in order, a room:sync after a
 * gap. `changes` are called with each new snapshot.
 */
export class RoomFollower {
  held: RoomSnapshot | null = null;
  readonly changes = new Set<(snapshot: RoomSnapshot) => void>();
  /** Patches applied, and resyncs needed (what the bench and the tests look at). */
  applied = 0;
  resyncs = 0;

  readonly #patches = new RoomPatches();
  #gap: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly socket: Client) {
    socket.on("room:state", (s) => this.take(s));
    socket.on("room:patch", (p) => this.#settled(this.#patches.receive(this.held, p)));
  }

  #settled(r: { snapshot: RoomSnapshot | null; gap: boolean }) {
    if (r.snapshot) {
      this.applied++;
      this.#hold(r.snapshot);
    }
    if (!r.gap) {
      if (this.#gap) clearTimeout(this.#gap);
      this.#gap = null;
      return;
    }
    this.#gap ??= setTimeout(() => {
      this.#gap = null;
      this.#patches.clear();
      this.resyncs++;
      (this.socket.emit as (e: string, p: unknown, ack: (r: RoomAck<RoomReply>) => void) => void)(
        "room:sync",
        { afterChatSeq: 0 },
        (r) => {
          if (r.ok && r.data) this.take(r.data.snapshot);
        },
      );
    }, PATCH_GAP_MS);
  }

  /** A snapshot from anywhere (an answer, room:state): kept unless older than what is held. */
  take(snapshot: RoomSnapshot): void {
    this.#hold(snapshot);
    this.#settled(this.#patches.settle(this.held));
  }

  #hold(snapshot: RoomSnapshot): void {
    if (this.held && this.held.occurrenceId === snapshot.occurrenceId && snapshot.version <= this.held.version) return;
    this.held = snapshot;
    for (const f of this.changes) f(snapshot);
  }
}
