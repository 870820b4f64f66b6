import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SignJWT } from "jose";
import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";
import { issueTicket, personChannel } from "@offshift/core";
import { createTestDatabase } from "@offshift/db/testing";
import { TICKET_SECRET, client, connectError, startNode, waitFor, type Client } from "./test-helpers.js";
import type { RealtimeServer } from "./server.js";

let url: string;
let databaseUrl: string;
let server: RealtimeServer;
let drop: () => Promise<void>;
const sockets: Client[] = [];
const track = (s: Client) => (sockets.push(s), s);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "handshake");
  drop = t.drop;
  databaseUrl = t.url;
  const node = await startNode(databaseUrl, "handshake");
  server = node.server;
  url = node.url;
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await server.close();
  await drop();
});

const volunteer = {
  kind: "person" as const,
  personId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90",
  roles: ["VOLUNTEER" as const],
  status: "APPROVED" as const,
};

describe("socket handshake tickets", () => {
  it("accepts a valid ticket", async () => {
    const s = track(client(url, volunteer));
    expect(await waitFor(s, "welcome")).toMatchObject({ nodeId: "handshake" });
  });

  it("refuses a connection without a ticket", async () => {
    const s = track(client(url, { kind: "visitor" }, ""));
    expect(await connectError(s)).toBe("UNAUTHORIZED: ticket missing");
  });

  it("refuses a tampered ticket", async () => {
    const t = await issueTicket(TICKET_SECRET, { kind: "visitor" }, "vk");
    const [h, p, sig] = t.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.sub = personChannel(volunteer.personId);
    claims.roles = ["COORDINATOR"];
    claims.status = "APPROVED";
    const forged = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), sig].join(".");
    expect(await connectError(track(client(url, volunteer, forged)))).toBe("UNAUTHORIZED: ticket bad_signature");
  });

  it("refuses a ticket signed with another secret", async () => {
    const t = await issueTicket("some-other-secret-that-is-32-chars-long!", volunteer, "vk");
    expect(await connectError(track(client(url, volunteer, t)))).toBe("UNAUTHORIZED: ticket bad_signature");
  });

  it("refuses an expired ticket (its 60 s and the 30 s allowed for clock skew are over)", async () => {
    const t = await issueTicket(TICKET_SECRET, volunteer, "vk", new Date(Date.now() - 95_000));
    expect(await connectError(track(client(url, volunteer, t)))).toBe("UNAUTHORIZED: ticket expired");
  });

  it("refuses a replayed ticket", async () => {
    const t = await issueTicket(TICKET_SECRET, volunteer, "vk");
    const first = track(client(url, volunteer, t));
    await waitFor(first, "welcome");
    expect(await connectError(track(client(url, volunteer, t)))).toBe("UNAUTHORIZED: ticket already used");
  });

  it("sockets connecting at the same moment are each admitted or refused as alone: one ticket presented three times at once gets in once", async () => {
    const guests = Array.from({ length: 16 }, (_, i) => ({
      kind: "guest" as const,
      guestId: `5d2c1b0e-2d9b-4d7e-9f0a-6b1e3c5d7a${String(i).padStart(2, "0")}`,
    }));
    const t = await issueTicket(TICKET_SECRET, volunteer, "vk");
    const outcome = (s: Client) =>
      new Promise<string>((resolve) => {
        s.once("welcome", () => resolve("welcome"));
        s.once("connect_error", (err) => resolve(err.message));
      });
    // Tickets fetched first, so the handshakes themselves go out together.
    const tickets = await Promise.all(guests.map((g) => issueTicket(TICKET_SECRET, g, "vk")));
    const all = [
      ...guests.map((g, i) => track(client(url, g, tickets[i]))),
      ...[0, 1, 2].map(() => track(client(url, volunteer, t))),
    ];
    const results = await Promise.all(all.map(outcome));
    expect(results.slice(0, 16)).toEqual(Array(16).fill("welcome"));
    expect(results.slice(16).sort()).toEqual([
      "UNAUTHORIZED: ticket already used",
      "UNAUTHORIZED: ticket already used",
      "welcome",
    ]);
  });

  it("refuses a well-signed token with made-up claims", async () => {
    const t = await new SignJWT({ roles: ["ADMIN"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("root:everything")
      .setIssuer("offshift-web")
      .setAudience("offshift-realtime")
      .setIssuedAt()
      .setExpirationTime("1m")
      .setJti("0123456789abcdef0123")
      .sign(new TextEncoder().encode(TICKET_SECRET));
    expect(await connectError(track(client(url, volunteer, t)))).toBe("UNAUTHORIZED: ticket malformed");
  });

  it("disconnects a suspended person's open sockets when web says so through the emitter", async () => {
    const mine = track(client(url, volunteer));
    const someoneElse = track(client(url, { kind: "visitor" }));
    await Promise.all([waitFor(mine, "welcome"), waitFor(someoneElse, "welcome")]);
    const gone = new Promise<string>((resolve) => mine.once("disconnect", resolve));

    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    // Exactly what web does on suspension.
    new Emitter(pool).in(personChannel(volunteer.personId)).disconnectSockets(true);
    expect(await gone).toBe("io server disconnect");
    await pool.end();
    expect(someoneElse.connected).toBe(true);
  });
});
