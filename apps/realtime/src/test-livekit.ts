import { createHash } from "node:crypto";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { issueTicket, type Actor, type RoomAck, type RoomReply, type TalkAck, type TalkReply } from "@offshift/core";

import { freePort } from "@offshift/launcher";
import { prepareTestLiveKit, type TestLiveKit, type TestPrisma } from "@offshift/db/testing";
import type { Logger } from "pino";
import { io as connect } from "socket.io-client";
import { createRealtimeServer, type RealtimeOptions, type RealtimeServer } from "./server.js";
import { AudioPeer } from "./test-audio.js";
import { TICKET_SECRET, silentLogger, waitFor, type Client } from "./test-helpers.js";

/**
 * Realtime under test with the real LiveKit server: the server is prepared
 * first (its URL and keys go to realtime), realtime listens on port 0, and
 * the server is started with its webhooks pointed at realtime.
 */
export async function realtimeWithLiveKit(
  bin: string,
  databaseUrl: string,
  nodeId: string,
  options: Pick<RealtimeOptions, "talk" | "roomKeeper"> & { logger?: Logger } = {},
): Promise<{ lk: TestLiveKit; server: RealtimeServer; url: string; rooms: RoomServiceClient }> {
  // Realtime's port first, kept out of the SFU's choice (port 0 could land on a port it chose but has not bound yet).
  const port = await freePort();
  const lk = await prepareTestLiveKit(bin, { avoidPorts: [port] });
  const server = createRealtimeServer({
    databaseUrl,
    nodeId,
    corsOrigins: "*",
    ticketSecret: TICKET_SECRET,
    logger: options.logger ?? silentLogger,
    liveKit: { url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret },
    ...(options.talk ? { talk: options.talk } : {}),
    ...(options.roomKeeper ? { roomKeeper: options.roomKeeper } : {}),
  });
  await server.listen(port, "127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  lk.webhookUrls = [`${url}/livekit/webhook`];
  await lk.start();
  return { lk, server, url, rooms: new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret) };
}

/** A drop-in occurrence whose lobby is open now. */
export async function createOccurrence(db: TestPrisma, facilitatorId: string, capacity: number): Promise<string> {
  const series = await db.dropInSeries.create({
    data: {
      title: "After the late shift",
      theme: "After the late shift",
      description: "Winding down.",
      capacity,
      durationMinutes: 60,
      rrule: "FREQ=WEEKLY;BYDAY=TU",
      startsOnLocal: "2026-12-01T22:00:00",
      facilitatorId,
    },
  });
  const startsAt = new Date(Date.now() + 5 * 60_000);
  const occ = await db.dropInOccurrence.create({
    data: {
      seriesId: series.id,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      title: series.title,
      theme: series.theme,
      description: series.description,
      capacity,
      facilitatorId,
    },
  });
  return occ.id;
}

export async function facilitatorAndGuests(db: TestPrisma, nicknames: string[]) {
  const lead = await db.person.create({
    data: { displayName: "Maria Santos", roles: ["FACILITATOR"], status: "APPROVED" },
    select: { id: true },
  });
  const facilitator: Actor = { kind: "person", personId: lead.id, roles: ["FACILITATOR"], status: "APPROVED" };
  const guests: Actor[] = [];
  for (const nickname of nicknames) {
    const g = await db.guest.create({
      data: { nickname, tokenHash: `hash-${nickname}-${Math.random()}`, agreementAcceptedAt: new Date() },
      select: { id: true },
    });
    guests.push({ kind: "guest", guestId: g.id });
  }
  return { facilitatorId: lead.id, facilitator, guests };
}

/** A connected socket with a fresh ticket for actor (collected in `sockets` for teardown). */
export async function connectedSocket(url: string, actor: Actor, sockets: Client[]): Promise<Client> {
  const s: Client = connect(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: async (cb) => cb({ ticket: await issueTicket(TICKET_SECRET, actor, "visitor-key") }),
  });
  sockets.push(s);
  await waitFor(s, "welcome");
  return s;
}

export function sendRoom(s: Client, event: string, payload: unknown = {}): Promise<RoomAck<RoomReply>> {
  return new Promise((resolve) =>
    (s.emit as (e: string, p: unknown, ack: (r: RoomAck<RoomReply>) => void) => void)(event, payload, resolve),
  );
}
export function sendTalk(s: Client, event: string, payload: unknown = {}): Promise<TalkAck<TalkReply>> {
  return new Promise((resolve) =>
    (s.emit as (e: string, p: unknown, ack: (r: TalkAck<TalkReply>) => void) => void)(event, payload, resolve),
  );
}
export function joined(ack: RoomAck<RoomReply>): RoomReply {
  if (!ack.ok || !ack.data) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  return ack.data;
}
export function liveKitToken(audio: RoomReply["audio"] | TalkReply["audio"]): { url: string; token: string } {
  if (audio?.kind !== "livekit") throw new Error(`expected LiveKit audio, got ${JSON.stringify(audio)}`);
  return audio;
}

/** Signs a webhook body as LiveKit does: a JWT from the API key whose sha256 claim is the body's digest. */
export async function signedWebhook(apiKey: string, secret: string, body: string): Promise<string> {
  const token = new AccessToken(apiKey, secret);
  token.sha256 = createHash("sha256").update(body).digest("base64");
  return token.toJwt();
}

/**
 * What each LiveKit test file opens and closes the same way: its audio peers
 * (`peer(label)`), its sockets, and the figures it measured. `close(...after)`
 * closes the peers and sockets, then runs `after` in order (nodes, the SFU, the
 * database), then prints what was measured.
 */
export function liveKitTestKit(name: string) {
  const peers: AudioPeer[] = [];
  const sockets: Client[] = [];
  const measured: Record<string, number | string> = {};
  return {
    sockets,
    measured,
    peer(label: string): AudioPeer {
      const p = new AudioPeer(label);
      peers.push(p);
      return p;
    },
    async close(...after: (() => Promise<unknown> | undefined)[]): Promise<void> {
      await Promise.all(peers.map((p) => p.close()));
      sockets.forEach((s) => s.disconnect());
      for (const step of after) await step();
      if (Object.keys(measured).length > 0) console.info(`[${name}] measured (ms):`, measured);
    },
  };
}
