import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { AccessToken, TokenVerifier, type ClaimGrants } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  FACILITATOR_PLACES,
  MESH_MAX_MEMBERS,
  issueTicket,
  type Actor,
  type RoomAck,
  type RoomAudio,
  type RoomReply,
} from "@offshift/core";
import { createDb, readRoom, type Db } from "@offshift/db";
import { createTestDatabase } from "@offshift/db/testing";
import { io as connect } from "socket.io-client";
import { LIVEKIT_TOKEN_TTL_SECONDS } from "./livekit.js";
import { createRealtimeServer, type RealtimeServer } from "./server.js";
import { TICKET_SECRET, eventually, silentLogger, waitFor, type Client } from "./test-helpers.js";

const API_KEY = "APItestkey";
const API_SECRET = "livekit-test-secret-at-least-32-characters";

/** What arrived at the fake LiveKit server. */
interface TwirpCall {
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A stand-in for LiveKit's RoomService on localhost: Twirp over HTTP, JSON
 * bodies (what livekit-server-sdk sends), POST /twirp/livekit.RoomService/<Method>.
 * `connected` is who is in the LiveKit room, with their track sids.
 */
function fakeRoomService() {
  const calls: TwirpCall[] = [];
  const connected = new Map<string, { sid: string; type: "AUDIO" | "VIDEO" }[]>();
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const match = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(req.url ?? "");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || !match) return send(404, { code: "bad_route", msg: "no such method" });
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      const method = match[1]!;
      calls.push({
        method,
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
        body,
      });
      const identity = String(body.identity ?? "");
      switch (method) {
        case "GetParticipant": {
          const tracks = connected.get(identity);
          if (!tracks) return send(404, { code: "not_found", msg: "participant not found" });
          return send(200, { sid: `PA_${identity}`, identity, state: "ACTIVE", tracks });
        }
        case "MutePublishedTrack":
          return send(200, { track: { sid: body.trackSid, type: "AUDIO", muted: true } });
        case "UpdateParticipant":
          return send(200, { sid: `PA_${identity}`, identity });
        case "RemoveParticipant":
        case "DeleteRoom":
          return send(200, {});
        default:
          return send(404, { code: "bad_route", msg: "not faked" });
      }
    });
  });
  return { server, calls, connected };
}

let db: Db;
let drop: () => Promise<void>;
let twirp: ReturnType<typeof fakeRoomService>;
let liveKitUrl: string;
let liveKitNode: RealtimeServer;
let meshNode: RealtimeServer;
let liveKitHttp: string;
let meshHttp: string;
let occurrenceId: string;
let meshOccurrenceId: string;
let facilitator: Actor;
const guests: Actor[] = [];
const sockets: Client[] = [];
const verifier = new TokenVerifier(API_KEY, API_SECRET);

async function createOccurrence(facilitatorId: string, capacity: number): Promise<string> {
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
  const startsAt = new Date(Date.now() + 5 * 60_000); // the lobby is open
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

async function start(databaseUrl: string, nodeId: string, withLiveKit: boolean) {
  const server = createRealtimeServer({
    databaseUrl,
    nodeId,
    corsOrigins: "*",
    ticketSecret: TICKET_SECRET,
    logger: silentLogger,
    ...(withLiveKit ? { liveKit: { url: liveKitUrl, apiKey: API_KEY, apiSecret: API_SECRET } } : {}),
  });
  const port = await server.listen(0, "127.0.0.1");
  return { server, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "livekit");
  drop = t.drop;
  db = createDb(t.url);
  twirp = fakeRoomService();
  await new Promise<void>((resolve) => twirp.server.listen(0, "127.0.0.1", resolve));
  const address = twirp.server.address();
  liveKitUrl = `ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const lead = await db.person.create({
    data: { displayName: "Maria Santos", roles: ["FACILITATOR"], status: "APPROVED" },
    select: { id: true },
  });
  facilitator = { kind: "person", personId: lead.id, roles: ["FACILITATOR"], status: "APPROVED" };
  occurrenceId = await createOccurrence(lead.id, 10);
  meshOccurrenceId = await createOccurrence(lead.id, 10);
  for (const nickname of ["Night Owl", "Kit", "Robin", "Sam", "Jo", "Ash", "Lee"]) {
    const g = await db.guest.create({
      data: { nickname, tokenHash: `hash-${nickname}`, agreementAcceptedAt: new Date() },
      select: { id: true },
    });
    guests.push({ kind: "guest", guestId: g.id });
  }
  const a = await start(t.url, "node-livekit", true);
  const b = await start(t.url, "node-mesh", false);
  liveKitNode = a.server;
  meshNode = b.server;
  liveKitHttp = a.url;
  meshHttp = b.url;
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await Promise.all([liveKitNode?.close(), meshNode?.close()]);
  await new Promise((r) => twirp?.server.close(r));
  await db?.$disconnect();
  await drop?.();
});

async function connected(url: string, actor: Actor): Promise<Client> {
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
function send(s: Client, event: string, payload: unknown): Promise<RoomAck<RoomReply>> {
  return new Promise((resolve) =>
    (s.emit as (e: string, p: unknown, ack: (r: RoomAck<RoomReply>) => void) => void)(event, payload, resolve),
  );
}
function joined(ack: RoomAck<RoomReply>): RoomReply {
  if (!ack.ok || !ack.data) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  return ack.data;
}
async function claims(audio: RoomAudio | undefined): Promise<ClaimGrants> {
  if (audio?.kind !== "livekit") throw new Error(`expected LiveKit audio, got ${JSON.stringify(audio)}`);
  expect(audio.url).toBe(liveKitUrl);
  return verifier.verify(audio.token);
}
const bearer = async (call: TwirpCall) => verifier.verify((call.authorization ?? "").replace(/^Bearer /, ""));

/** Signs a webhook body as LiveKit does: a JWT from the API key whose sha256 claim is the body's digest. */
async function signed(body: string, secret = API_SECRET): Promise<string> {
  const token = new AccessToken(API_KEY, secret);
  token.sha256 = createHash("sha256").update(body).digest("base64");
  return token.toJwt();
}
function postWebhook(body: string, authorization?: string) {
  return fetch(`${liveKitHttp}/livekit/webhook`, {
    method: "POST",
    headers: { "content-type": "application/webhook+json", ...(authorization ? { authorization } : {}) },
    body,
  });
}
const webhook = (event: string, identity?: string, room = occurrenceId) =>
  JSON.stringify({
    event,
    id: `EV_${Math.random().toString(36).slice(2)}`,
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { sid: "RM_test", name: room },
    ...(identity ? { participant: { sid: `PA_${identity}`, identity, state: "ACTIVE" } } : {}),
  });
const presence = () =>
  db.roomPresence.findMany({ where: { occurrenceId }, orderBy: { socketId: "asc" }, select: { socketId: true } });

describe("LiveKit audio path", () => {
  let maria: Client;
  let owl: Client;
  let kit: Client;
  let robin: Client;
  let owlId: string;
  let kitId: string;
  let robinId: string;

  it("mints room-scoped tokens on join: identity is the alias, grants follow the role, short TTL", async () => {
    maria = await connected(liveKitHttp, facilitator);
    owl = await connected(liveKitHttp, guests[0]!);
    robin = await connected(liveKitHttp, guests[2]!);
    const m = joined(await send(maria, "room:join", { occurrenceId }));
    const mc = await claims(m.audio);
    expect(mc.sub).toBe(m.memberId);
    expect(mc.name).toBe("Maria");
    expect(mc.video).toEqual({
      room: occurrenceId,
      roomJoin: true,
      roomAdmin: true,
      canPublish: true,
      canPublishSources: ["microphone"],
      canSubscribe: true,
      canPublishData: false,
    });
    expect(mc.exp! - mc.nbf!).toBe(LIVEKIT_TOKEN_TTL_SECONDS);
    expect(LIVEKIT_TOKEN_TTL_SECONDS).toBeLessThanOrEqual(15 * 60);
    expect(mc.exp! * 1000).toBeGreaterThan(Date.now());

    const o = joined(await send(owl, "room:join", { occurrenceId }));
    owlId = o.memberId;
    const oc = await claims(o.audio);
    expect(oc.sub).toBe(owlId);
    expect(oc.name).toBe("Night Owl");
    expect(oc.video).toMatchObject({
      room: occurrenceId,
      roomJoin: true,
      roomAdmin: false,
      canPublish: true,
      canSubscribe: true,
      canPublishData: false,
    });

    // Listening only: subscribe, never publish.
    const r = joined(await send(robin, "room:join", { occurrenceId, listenOnly: true }));
    robinId = r.memberId;
    expect((await claims(r.audio)).video).toMatchObject({
      roomAdmin: false,
      canPublish: false,
      canPublishSources: [],
      canSubscribe: true,
    });
    // The token is signed with the API secret and nothing else.
    const forged = new TokenVerifier(API_KEY, "another-secret-of-at-least-32-characters");
    await expect(forged.verify((r.audio as { token: string }).token)).rejects.toThrow();
    expect(await send(maria, "mod:open", {})).toMatchObject({ ok: true });
  });

  it("gives a fresh token to members only, without publish once a facilitator muted them", async () => {
    kit = await connected(liveKitHttp, guests[1]!);
    expect(await send(kit, "room:audio-token", {})).toMatchObject({ ok: false, error: { code: "not_in_room" } });
    kitId = joined(await send(kit, "room:join", { occurrenceId })).memberId;
    const fresh = joined(await send(kit, "room:audio-token", {}));
    expect(fresh.memberId).toBe(kitId);
    expect((await claims(fresh.audio)).video).toMatchObject({ canPublish: true, roomAdmin: false });

    // Kit is on the audio server with one microphone track (and, to show the filter, a video one).
    twirp.connected.set(kitId, [
      { sid: "TR_kit_mic", type: "AUDIO" },
      { sid: "TR_kit_cam", type: "VIDEO" },
    ]);
    twirp.calls.length = 0;
    expect(await send(maria, "mod:mute", { participantId: kitId })).toMatchObject({ ok: true });
    const after = joined(await send(kit, "room:audio-token", {}));
    expect((await claims(after.audio)).video).toMatchObject({ canPublish: false, canPublishSources: [] });
    // And a re-join (the other way a reconnecting client gets a token) says the same.
    expect((await claims(joined(await send(kit, "room:join", { occurrenceId })).audio)).video).toMatchObject({
      canPublish: false,
    });

    // The mute reached LiveKit's RoomService: the audio track muted, publishing taken away.
    const calls = await eventually(
      () => Promise.resolve([...twirp.calls]),
      (c) => c.some((x) => x.method === "UpdateParticipant"),
    );
    expect(calls.map((c) => c.method)).toEqual(["GetParticipant", "MutePublishedTrack", "UpdateParticipant"]);
    for (const call of calls) {
      expect(call.contentType).toMatch(/^application\/json/);
      const grant = await bearer(call);
      expect(grant.video).toMatchObject({ roomAdmin: true, room: occurrenceId });
    }
    expect(calls[0]!.body).toEqual({ room: occurrenceId, identity: kitId });
    expect(calls[1]!.body).toEqual({ room: occurrenceId, identity: kitId, trackSid: "TR_kit_mic", muted: true });
    expect(calls[2]!.body).toMatchObject({
      room: occurrenceId,
      identity: kitId,
      permission: { canSubscribe: true },
    });
    expect((calls[2]!.body.permission as { canPublish?: boolean }).canPublish ?? false).toBe(false);
  });

  it("a RoomService failure is logged, and the room's own mute still stands", async () => {
    // Owl is not on the audio server (yet): GetParticipant answers 404.
    twirp.calls.length = 0;
    expect(await send(maria, "mod:mute", { participantId: owlId })).toMatchObject({
      ok: true,
      data: { snapshot: { members: expect.arrayContaining([expect.objectContaining({ id: owlId, muted: true })]) } },
    });
    await eventually(
      () => Promise.resolve([...twirp.calls]),
      (c) => c.some((x) => x.method === "UpdateParticipant"),
    );
    expect(twirp.calls.map((c) => c.method)).not.toContain("MutePublishedTrack");
    const room = await readRoom(db, occurrenceId);
    expect(room!.members.find((m) => m.id === owlId)).toMatchObject({ mutedByFacilitator: true });
  });

  it("accepts signed webhooks: joined and left reconcile presence, repeats are harmless", async () => {
    const before = await presence();
    const joinedBody = webhook("participant_joined", robinId);
    for (let i = 0; i < 2; i++) {
      const res = await postWebhook(joinedBody, await signed(joinedBody));
      expect(res.status).toBe(200);
    }
    expect((await presence()).map((p) => p.socketId)).toContain(`livekit:${robinId}`);
    expect(await db.roomPresence.count({ where: { socketId: `livekit:${robinId}` } })).toBe(1);

    // Someone who is not a member of the room gets no presence from the audio server.
    const stranger = webhook("participant_joined", "m_0123456789abcdef");
    expect((await postWebhook(stranger, await signed(stranger))).status).toBe(200);
    expect(await db.roomPresence.count({ where: { socketId: "livekit:m_0123456789abcdef" } })).toBe(0);

    const leftBody = webhook("participant_left", robinId);
    for (let i = 0; i < 2; i++) expect((await postWebhook(leftBody, await signed(leftBody))).status).toBe(200);
    expect(await presence()).toEqual(before);

    const finished = webhook("room_finished");
    expect((await postWebhook(finished, await signed(finished))).status).toBe(200);
    expect((await readRoom(db, occurrenceId))!.phase).toBe("live");
  });

  it("refuses unsigned, tampered or wrongly signed webhooks with 401 and changes nothing", async () => {
    const before = { presence: await presence(), version: (await readRoom(db, occurrenceId))!.version };
    const body = webhook("participant_joined", robinId);
    const tampered = webhook("participant_joined", kitId);
    const attempts = [
      await postWebhook(body),
      await postWebhook(tampered, await signed(body)),
      await postWebhook(body, await signed(body, "not-the-secret-but-32-characters-long")),
      await postWebhook(body, "Bearer nonsense"),
    ];
    expect(attempts.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(await presence()).toEqual(before.presence);
    expect((await readRoom(db, occurrenceId))!.version).toBe(before.version);
  });

  it("removal and the end of the session reach RoomService", async () => {
    twirp.calls.length = 0;
    const removedAt = Math.floor(Date.now() / 1000);
    expect(await send(maria, "mod:remove", { participantId: kitId })).toMatchObject({ ok: true });
    const removal = await eventually(
      () => Promise.resolve(twirp.calls.find((c) => c.method === "RemoveParticipant")),
      (c) => c !== undefined,
    );
    expect(removal!.body).toMatchObject({ room: occurrenceId, identity: kitId });
    // Tokens issued before the removal stop working on the audio server.
    expect(Number(removal!.body.revokeTokenTs)).toBeGreaterThanOrEqual(removedAt);
    expect((await bearer(removal!)).video).toMatchObject({ roomAdmin: true, room: occurrenceId });
    // And no new token for them.
    expect(await send(kit, "room:join", { occurrenceId })).toMatchObject({ ok: false, error: { code: "removed" } });

    expect(await send(maria, "mod:end", {})).toMatchObject({ ok: true });
    const deletion = await eventually(
      () => Promise.resolve(twirp.calls.find((c) => c.method === "DeleteRoom")),
      (c) => c !== undefined,
    );
    expect(deletion!.body).toEqual({ room: occurrenceId });
    expect((await bearer(deletion!)).video).toMatchObject({ roomCreate: true });
  });
});

describe("mesh audio (no LiveKit configured)", () => {
  it("guests waiting early fill the workers' places; the facilitator and a coordinator stepping in still get in", async () => {
    const workerPlaces = MESH_MAX_MEMBERS - FACILITATOR_PLACES;
    const early = await Promise.all(guests.slice(0, 6).map((g) => connected(meshHttp, g)));
    const answers: RoomAck<RoomReply>[] = [];
    for (const s of early) answers.push(await send(s, "room:join", { occurrenceId: meshOccurrenceId }));
    expect(answers.slice(0, workerPlaces).every((a) => a.ok)).toBe(true);
    for (const refused of answers.slice(workerPlaces)) {
      expect(refused).toMatchObject({ ok: false, error: { code: "full" } });
      expect(!refused.ok && refused.error.message).toMatch(/LiveKit server/);
    }
    const before = (await readRoom(db, meshOccurrenceId))!;
    expect(before.placesLeft).toBeGreaterThan(0); // the session itself has room: the audio does not

    const maria = await connected(meshHttp, facilitator);
    expect(joined(await send(maria, "room:join", { occurrenceId: meshOccurrenceId })).audio).toEqual({
      kind: "mesh",
    });
    const coordinator = await db.person.create({
      data: { displayName: "Dev Patel", roles: ["COORDINATOR"], status: "APPROVED" },
      select: { id: true },
    });
    const dev = await connected(meshHttp, {
      kind: "person",
      personId: coordinator.id,
      roles: ["COORDINATOR"],
      status: "APPROVED",
    });
    const stepIn = joined(await send(dev, "room:join", { occurrenceId: meshOccurrenceId }));
    expect(stepIn.snapshot.members.find((m) => m.id === stepIn.memberId)).toMatchObject({ facilitator: true });
    expect(stepIn.snapshot.members).toHaveLength(MESH_MAX_MEMBERS);
    // Stepping in means running it: the coordinator can moderate.
    expect(await send(dev, "mod:lock", { locked: false })).toMatchObject({ ok: true });

    // Someone already in keeps their seat on a reconnect.
    const again = await connected(meshHttp, guests[0]!);
    expect(await send(again, "room:join", { occurrenceId: meshOccurrenceId })).toMatchObject({ ok: true });

    // With LiveKit the same room takes them (the cap is the mesh's, not the session's).
    const viaLiveKit = await connected(liveKitHttp, guests[MESH_MAX_MEMBERS]!);
    const ok = joined(await send(viaLiveKit, "room:join", { occurrenceId: meshOccurrenceId }));
    expect(ok.audio?.kind).toBe("livekit");
  });
});
