import { io as connect, type Socket } from "socket.io-client";
import pino from "pino";
import { issueTicket, type Actor, type ClientToServerEvents, type ServerToClientEvents } from "@offshift/core";
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
