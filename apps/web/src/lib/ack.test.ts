import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { SUPERSEDED, emitWithRetry } from "./ack.js";

// A real Socket.IO server on port 0 that is `busy` for the first two tries of a hand raise and answers
// everything else at once; it records what arrived, in order.
const arrived: string[] = [];
let busyRaises = 0;
let server: Server;
let client: Socket;

beforeAll(async () => {
  const http = createServer();
  server = new Server(http);
  server.on("connection", (socket) => {
    socket.on("room:hand", (payload: { raised: boolean }, ack: (r: unknown) => void) => {
      arrived.push(payload.raised ? "raise" : "lower");
      if (payload.raised && busyRaises-- > 0) ack({ ok: false, error: { code: "busy", message: "Busy" } });
      else ack({ ok: true });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ["websocket"] });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
});
afterAll(async () => {
  client?.disconnect();
  await server?.close();
});

/** Raise (refused busy twice), then lower as soon as the first refusal is in. */
async function raiseThenLower(supersedes: string | undefined) {
  arrived.length = 0;
  busyRaises = 2;
  const raise = emitWithRetry(client, "room:hand", { raised: true }, 5000, supersedes);
  while (arrived.length === 0) await new Promise((r) => setTimeout(r, 5));
  const lower = await emitWithRetry(client, "room:hand", { raised: false }, 5000, supersedes);
  return { raise: await raise, lower };
}

describe("emitWithRetry: a setting changed again while the last change is still being retried", () => {
  it("the older change is not sent again: the newer one decides, and the hand stays down", async () => {
    const { raise, lower } = await raiseThenLower("room:hand");
    expect(lower).toEqual({ ok: true });
    expect(raise).toBe(SUPERSEDED);
    expect(arrived).toEqual(["raise", "lower"]);
  });

  it("without a kind, each command is retried on its own (chat lines: every one counts)", async () => {
    const { raise, lower } = await raiseThenLower(undefined);
    expect(lower).toEqual({ ok: true });
    expect(raise).toEqual({ ok: true });
    // Sent again after the lower: the hand ends up raised. This is why settings name their kind.
    expect(arrived).toEqual(["raise", "lower", "raise", "raise"]);
  });
});
