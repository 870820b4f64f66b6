import { SignJWT } from "jose";
import pg from "pg";
import { TokenVerifier, TrackType, type ClaimGrants, type RoomServiceClient } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  FACILITATOR_PLACES,
  MESH_FULL_MESSAGE,
  MESH_MAX_MEMBERS,
  type Actor,
  type RoomAck,
  type RoomAudio,
  type RoomReply,
} from "@offshift/core";
import { closeDb, createDb, readLiveRoom } from "@offshift/db";
import {
  createTestDatabase,
  liveKitServerForTests,
  type TestLiveKit,
  testPrisma,
  type TestPrisma,
} from "@offshift/db/testing";
import { LIVEKIT_TOKEN_TTL_SECONDS, liveKitPresenceId } from "./livekit.js";
import type { RealtimeServer } from "./server.js";
import { AudioPeer, HEARD_RMS, timeUntil } from "./test-audio.js";
import { startNode, type Client } from "./test-helpers.js";
import {
  connectedSocket,
  createOccurrence,
  facilitatorAndGuests,
  joined,
  liveKitToken,
  realtimeWithLiveKit,
  liveKitTestKit,
  sendRoom,
  signedWebhook,
} from "./test-livekit.js";

// The LiveKit path against the real SFU (livekit-server on loopback, its
// webhooks pointed at the realtime under test): members join through the
// socket API, and their tokens connect real participants (@livekit/rtc-node)
// that publish tones and measure what they hear. Everything the SFU enforces
// (publish permission, removal, who may be in a room, token expiry) is
// checked at the server, never at a stand-in.
const bin = liveKitServerForTests("LiveKit realtime tests");

let db: TestPrisma;
let drop: () => Promise<void>;
let databaseUrl: string;
let lk: TestLiveKit | undefined;
let rooms: RoomServiceClient;
let liveKitNode: RealtimeServer | undefined;
let liveKitHttp: string;
let meshNode: RealtimeServer;
let meshHttp: string;
let facilitatorId: string;
let facilitator: Actor;
let guests: Actor[];
const kit = liveKitTestKit("livekit.test");
const { sockets, measured } = kit;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "livekit");
  drop = t.drop;
  databaseUrl = t.url;
  db = testPrisma(createDb(t.url));
  ({ facilitatorId, facilitator, guests } = await facilitatorAndGuests(db, [
    "Night Owl",
    "Kit",
    "Robin",
    "Sam",
    "Jo",
    "Ash",
    "Lee",
    "Wren",
    "Ade",
    "Bea",
    "Cal",
    "Dee",
    "Eli",
  ]));
  const mesh = await startNode(t.url, "node-mesh");
  meshNode = mesh.server;
  meshHttp = mesh.url;
  if (bin) {
    const r = await realtimeWithLiveKit(bin, t.url, "node-livekit");
    lk = r.lk;
    liveKitNode = r.server;
    liveKitHttp = r.url;
    rooms = r.rooms;
  }
}, 90_000);
afterAll(async () => {
  await kit.close(
    () => Promise.all([liveKitNode?.close(), meshNode?.close()]),
    async () => lk?.dispose(),
    async () => (db ? closeDb(db) : undefined),
    async () => drop?.(),
  );
}, 60_000);

const peer = kit.peer;
/** Commands (and leaves) the LiveKit node's gate holds now, from its /metrics. */
const inFlight = async () =>
  Number(/offshift_realtime_commands_in_flight (\d+)/.exec(await (await fetch(`${liveKitHttp}/metrics`)).text())?.[1]);
const socketFor = (actor: Actor) => connectedSocket(liveKitHttp, actor, sockets);
const claims = (audio: RoomAudio | undefined): Promise<ClaimGrants> =>
  new TokenVerifier(lk!.apiKey, lk!.apiSecret).verify(liveKitToken(audio).token);
/** The server's view of one participant, or null if it is not in the room. */
const atServer = async (room: string, identity: string) => {
  try {
    return await rooms.getParticipant(room, identity);
  } catch {
    return null;
  }
};
const identitiesAtServer = async (room: string) => {
  try {
    return (await rooms.listParticipants(room)).map((p) => p.identity);
  } catch {
    return [];
  }
};
/** Whether the server would forward this participant's microphone: an unmuted audio track and the right to publish. */
const speakingAtServer = async (room: string, identity: string) => {
  const p = await atServer(room, identity);
  if (!p) return false;
  return !!p.permission?.canPublish && p.tracks.some((t) => t.type === TrackType.AUDIO && !t.muted);
};
const webhook = (event: string, room: string, identity?: string) =>
  JSON.stringify({
    event,
    id: `EV_${Math.random().toString(36).slice(2)}`,
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { sid: "RM_test", name: room },
    ...(identity ? { participant: { sid: `PA_${identity}`, identity, state: "ACTIVE" } } : {}),
  });
const postWebhook = (body: string, authorization?: string) =>
  fetch(`${liveKitHttp}/livekit/webhook`, {
    method: "POST",
    headers: { "content-type": "application/webhook+json", ...(authorization ? { authorization } : {}) },
    body,
  });

describe.skipIf(!bin)("a drop-in on the real LiveKit server", () => {
  let occurrenceId: string;
  let maria: Client;
  let owl: Client;
  let kit: Client;
  let robin: Client;
  let mariaId: string;
  let owlId: string;
  let kitId: string;
  let robinId: string;
  let mariaPeer: AudioPeer;
  let owlPeer: AudioPeer;
  let kitPeer: AudioPeer;
  let robinPeer: AudioPeer;
  let kitTokenBeforeMute: string;
  let owlToken: string;

  beforeAll(async () => {
    occurrenceId = await createOccurrence(db, facilitatorId, 10);
  });

  it("mints room-scoped tokens on join: identity is the alias, grants follow the role, short TTL", async () => {
    maria = await socketFor(facilitator);
    const m = joined(await sendRoom(maria, "room:join", { occurrenceId }));
    mariaId = m.memberId;
    const mc = await claims(m.audio);
    expect(liveKitToken(m.audio).url).toBe(lk!.url);
    expect(mc.sub).toBe(mariaId);
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
    expect(await sendRoom(maria, "mod:open")).toMatchObject({ ok: true });

    owl = await socketFor(guests[0]!);
    const o = joined(await sendRoom(owl, "room:join", { occurrenceId }));
    owlId = o.memberId;
    owlToken = liveKitToken(o.audio).token;
    expect((await claims(o.audio)).video).toMatchObject({ roomAdmin: false, canPublish: true });
    kit = await socketFor(guests[1]!);
    const k = joined(await sendRoom(kit, "room:join", { occurrenceId }));
    kitId = k.memberId;
    kitTokenBeforeMute = liveKitToken(k.audio).token;
    robin = await socketFor(guests[2]!);
    const r = joined(await sendRoom(robin, "room:join", { occurrenceId, listenOnly: true }));
    robinId = r.memberId;
    expect((await claims(r.audio)).video).toMatchObject({ canPublish: false, canPublishSources: [] });
    // A fresh token is for members only.
    const stranger = await socketFor(guests[3]!);
    expect(await sendRoom(stranger, "room:audio-token")).toMatchObject({ ok: false, error: { code: "not_in_room" } });
  });

  it("their tokens connect real participants who hear each other's tones; joins are seen through signed webhooks", async () => {
    mariaPeer = peer("maria");
    owlPeer = peer("owl");
    kitPeer = peer("kit");
    robinPeer = peer("robin");
    const tokenOf = async (s: Client) => liveKitToken(joined(await sendRoom(s, "room:audio-token")).audio).token;
    await mariaPeer.connect(lk!.url, await tokenOf(maria));
    await owlPeer.connect(lk!.url, owlToken);
    await kitPeer.connect(lk!.url, kitTokenBeforeMute);
    await robinPeer.connect(lk!.url, await tokenOf(robin));
    await Promise.all([mariaPeer.publishTone(330), owlPeer.publishTone(440), kitPeer.publishTone(550)]);
    measured.allHearEachOther = await timeUntil(
      () => [
        mariaPeer.hearing(owlId),
        mariaPeer.hearing(kitId),
        owlPeer.hearing(mariaId),
        kitPeer.hearing(owlId),
        robinPeer.hearing(mariaId),
        robinPeer.hearing(kitId),
      ],
      (levels) => levels.every((l) => l > HEARD_RMS),
      20_000,
      "everyone hears everyone",
    );
    // participant_joined webhooks: each connection keeps its member present.
    await timeUntil(
      () => db.roomPresence.count({ where: { occurrenceId, socketId: { startsWith: "livekit:" } } }),
      (n) => n === 4,
      10_000,
      "LiveKit presence for the four",
    );
    // A listener without the grant cannot publish: the server refuses the track.
    const attempt = await Promise.race([
      robinPeer.publishTone(660).then(
        () => "published",
        () => "refused",
      ),
      new Promise((r) => setTimeout(() => r("no answer"), 5000)),
    ]);
    expect(attempt).not.toBe("published");
    measured.publishAttempt1 = String(attempt);
    expect(await speakingAtServer(occurrenceId, robinId)).toBe(false);
    expect(owlPeer.hearing(robinId)).toBe(0);
  });

  it("a facilitator's mute takes publishing away at the server within 2 s, and publishing again fails", async () => {
    expect(await speakingAtServer(occurrenceId, kitId)).toBe(true);
    const muted = Date.now();
    expect(await sendRoom(maria, "mod:mute", { participantId: kitId })).toMatchObject({ ok: true });
    await timeUntil(
      () => speakingAtServer(occurrenceId, kitId),
      (s) => !s,
      2000,
      "Kit's microphone stopped",
    );
    measured.muteAtServer = Date.now() - muted;
    expect((await atServer(occurrenceId, kitId))?.permission?.canPublish).toBe(false);
    await timeUntil(
      () => owlPeer.hearing(kitId),
      (l) => l < HEARD_RMS,
      2000,
      "Kit no longer heard",
    );
    measured.muteHeard = Date.now() - muted;

    // A modified client that publishes again anyway: the server refuses it.
    const attempt = await Promise.race([
      kitPeer.publishTone(770).then(
        () => "published",
        () => "refused",
      ),
      new Promise((r) => setTimeout(() => r("no answer"), 5000)),
    ]);
    expect(attempt).not.toBe("published");
    measured.publishAttempt2 = String(attempt);
    expect(await speakingAtServer(occurrenceId, kitId)).toBe(false);
    expect(owlPeer.hearing(kitId)).toBeLessThan(HEARD_RMS);
    // Fresh tokens (room:audio-token, or a re-join) carry no publish grant.
    expect((await claims(joined(await sendRoom(kit, "room:audio-token")).audio)).video).toMatchObject({
      canPublish: false,
    });
    expect((await claims(joined(await sendRoom(kit, "room:join", { occurrenceId })).audio)).video).toMatchObject({
      canPublish: false,
    });
  });

  it("a muted member who reconnects with a token minted before the mute still cannot publish", async () => {
    await kitPeer.close();
    kitPeer = peer("kit again");
    const started = Date.now();
    await kitPeer.connect(lk!.url, kitTokenBeforeMute); // its grant still says canPublish
    await timeUntil(
      async () => (await atServer(occurrenceId, kitId))?.permission?.canPublish,
      (can) => can === false,
      2000,
      "publish taken away on join",
    );
    measured.mutedRejoinRestricted = Date.now() - started;
    const attempt = await Promise.race([
      kitPeer.publishTone(880).then(
        () => "published",
        () => "refused",
      ),
      new Promise((r) => setTimeout(() => r("no answer"), 5000)),
    ]);
    expect(attempt).not.toBe("published");
    measured.publishAttempt3 = String(attempt);
    expect(await speakingAtServer(occurrenceId, kitId)).toBe(false);
    expect(owlPeer.hearing(kitId)).toBeLessThan(HEARD_RMS);
  });

  it("a listener who chooses to speak gets the microphone at the server", async () => {
    expect(await sendRoom(robin, "room:mute", { muted: false })).toMatchObject({ ok: true });
    await timeUntil(
      async () => (await atServer(occurrenceId, robinId))?.permission?.canPublish,
      (can) => can === true,
      2000,
      "publish given",
    );
    // rtc-node keeps one local track per source: a new participant object publishes with the old token.
    await robinPeer.close();
    robinPeer = peer("robin speaking");
    await robinPeer.connect(lk!.url, liveKitToken(joined(await sendRoom(robin, "room:audio-token")).audio).token);
    await robinPeer.publishTone(990);
    await timeUntil(
      () => owlPeer.hearing(robinId),
      (l) => l > HEARD_RMS,
      10_000,
      "Robin heard",
    );
  });

  it("removal disconnects at the server; the old token is removed again within 2 s; a new join is refused", async () => {
    const removed = Date.now();
    expect(await sendRoom(maria, "mod:remove", { participantId: owlId })).toMatchObject({ ok: true });
    await timeUntil(
      () => identitiesAtServer(occurrenceId),
      (ids) => !ids.includes(owlId),
      2000,
      "Owl removed",
    );
    measured.removeAtServer = Date.now() - removed;
    await timeUntil(
      () => owlPeer.connected,
      (c) => !c,
      5000,
      "Owl's client disconnected",
    );

    // Coming back with the token from before: in for a moment at most, then removed again.
    const back = peer("owl back");
    const rejoined = Date.now();
    const connected = await back.connect(lk!.url, owlToken).then(
      () => true,
      () => false, // refused outright (a revoked token) is as good
    );
    if (connected) {
      await timeUntil(
        () => back.connected,
        (c) => !c,
        2000,
        "Owl removed again",
      );
      measured.removedRejoinOut = Date.now() - rejoined;
    }
    expect(await identitiesAtServer(occurrenceId)).not.toContain(owlId);
    expect(await db.roomPresence.count({ where: { socketId: liveKitPresenceId(owlId) } })).toBe(0);
    // And realtime refuses the seat (and so any new token).
    expect(await sendRoom(owl, "room:join", { occurrenceId })).toMatchObject({ ok: false, error: { code: "removed" } });
    const again = await socketFor(guests[0]!);
    expect(await sendRoom(again, "room:join", { occurrenceId })).toMatchObject({
      ok: false,
      error: { code: "removed" },
    });
  });

  it("bad tokens: another room's token never lands here, a forged one for a non-member is removed, an expired one is refused", async () => {
    // A member of another session: their token is for that room only.
    const other = await createOccurrence(db, facilitatorId, 10);
    const jo = await socketFor(guests[4]!);
    const elsewhere = joined(await sendRoom(jo, "room:join", { occurrenceId: other }));
    expect((await claims(elsewhere.audio)).video?.room).toBe(other);
    const joPeer = peer("jo elsewhere");
    await joPeer.connect(lk!.url, liveKitToken(elsewhere.audio).token);
    expect(joPeer.room.name).toBe(other);
    expect(await identitiesAtServer(occurrenceId)).not.toContain(elsewhere.memberId);
    expect(joPeer.others()).toEqual([]);

    // A token for this room signed with the key but minted for nobody here (a leak, a bug): removed at once.
    const crafted = await new SignJWT({
      video: { room: occurrenceId, roomJoin: true, canPublish: true, canSubscribe: true },
      name: "Intruder",
    })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(lk!.apiKey)
      .setSubject("m_0123456789abcdef")
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(lk!.apiSecret));
    const intruder = peer("intruder");
    const inside = await intruder.connect(lk!.url, crafted).then(
      () => true,
      () => false,
    );
    expect(inside).toBe(true);
    await timeUntil(
      () => intruder.connected,
      (c) => !c,
      2000,
      "the intruder removed",
    );
    expect(await identitiesAtServer(occurrenceId)).not.toContain("m_0123456789abcdef");

    // Expired two minutes ago (beyond any clock leeway): LiveKit refuses the connection.
    const expired = await new SignJWT({ video: { room: occurrenceId, roomJoin: true, canSubscribe: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(lk!.apiKey)
      .setSubject(robinId)
      .setNotBefore(Math.floor(Date.now() / 1000) - 900)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(new TextEncoder().encode(lk!.apiSecret));
    await expect(peer("expired").connect(lk!.url, expired)).rejects.toThrow();
    // A token signed with another secret: refused too.
    const forged = await new SignJWT({ video: { room: occurrenceId, roomJoin: true, canSubscribe: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(lk!.apiKey)
      .setSubject(robinId)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode("not-the-secret-but-at-least-32-characters"));
    await expect(peer("forged").connect(lk!.url, forged)).rejects.toThrow();
  });

  it("webhooks: a bad signature is refused with 401 and an unknown room is ignored; nothing changes", async () => {
    const before = {
      presence: await db.roomPresence.count(),
      version: (await readLiveRoom(db, occurrenceId))!.version,
    };
    // Robin (present) "left", as forged: nothing may happen.
    const body = webhook("participant_left", occurrenceId, robinId);
    const sign = (b: string, secret = lk!.apiSecret) => signedWebhook(lk!.apiKey, secret, b);
    const attempts = [
      await postWebhook(body),
      await postWebhook(webhook("participant_left", occurrenceId, mariaId), await sign(body)),
      await postWebhook(body, await sign(body, "not-the-secret-but-32-characters-long")),
      await postWebhook(body, "Bearer nonsense"),
    ];
    expect(attempts.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    // Signed, but for rooms that are not ours or do not exist.
    for (const room of ["someone-elses-room", "00000000-0000-4000-8000-000000000000"]) {
      const b = webhook("participant_left", room, robinId);
      expect((await postWebhook(b, await sign(b))).status).toBe(200);
    }
    expect(await db.roomPresence.count()).toBe(before.presence);
    expect((await readLiveRoom(db, occurrenceId))!.version).toBe(before.version);
    // And Robin is still in the room and on the audio server.
    expect((await readLiveRoom(db, occurrenceId))!.members.map((m) => m.id)).toContain(robinId);
    expect(await identitiesAtServer(occurrenceId)).toContain(robinId);
  });

  it("a closed tab (socket and audio gone, no leave) drops the member from the room within 10 s", async () => {
    expect((await readLiveRoom(db, occurrenceId))!.members.map((m) => m.id)).toContain(robinId);
    const closed = Date.now();
    robin.disconnect();
    await robinPeer.close();
    await timeUntil(
      async () => (await readLiveRoom(db, occurrenceId))!.members.map((m) => m.id),
      (ids) => !ids.includes(robinId),
      10_000,
      "Robin out of the room",
    );
    measured.closedTabDropped = Date.now() - closed;
    expect(await db.roomPresence.count({ where: { memberId: robinId } })).toBe(0);
  });

  it("ending the session deletes the LiveKit room: everyone is disconnected", async () => {
    expect(await sendRoom(maria, "mod:end")).toMatchObject({ ok: true });
    await timeUntil(
      () => [mariaPeer.connected, kitPeer.connected],
      (c) => c.every((x) => !x),
      5000,
      "all out",
    );
    expect((await rooms.listRooms()).map((r) => r.name)).not.toContain(occurrenceId);
  });
});

describe.skipIf(!bin)("a full drop-in on LiveKit (beyond the mesh's six)", () => {
  it("a facilitator and 12 workers join through the socket API, connect, and every worker hears the facilitator", async () => {
    const occurrenceId = await createOccurrence(db, facilitatorId, 12);
    const lead = await socketFor(facilitator);
    const leadJoin = joined(await sendRoom(lead, "room:join", { occurrenceId }));
    expect(await sendRoom(lead, "mod:open")).toMatchObject({ ok: true });
    const leadPeer = peer("lead");
    await leadPeer.connect(lk!.url, liveKitToken(leadJoin.audio).token);
    await leadPeer.publishTone(300);
    const workers: AudioPeer[] = [];
    const started = Date.now();
    for (const guest of guests.slice(0, 12)) {
      const s = await socketFor(guest);
      const r = joined(await sendRoom(s, "room:join", { occurrenceId }));
      const p = peer("worker");
      await p.connect(lk!.url, liveKitToken(r.audio).token);
      workers.push(p);
    }
    expect((await readLiveRoom(db, occurrenceId))!.placesLeft).toBe(0);
    await timeUntil(
      () => workers.filter((w) => w.hearing(leadJoin.memberId) > HEARD_RMS).length,
      (n) => n === 12,
      30_000,
      "all 12 hear the facilitator",
    );
    measured.twelveJoinConnectAndHear = Date.now() - started;
    expect(await identitiesAtServer(occurrenceId)).toHaveLength(13);
    // The thirteenth worker is refused by the room's capacity, not by the audio.
    const late = await socketFor(guests[12]!);
    expect(await sendRoom(late, "room:join", { occurrenceId })).toMatchObject({ ok: false, error: { code: "full" } });
    await Promise.all([leadPeer, ...workers].map((p) => p.close()));
  }, 90_000);
});

describe.skipIf(!bin)("a drop-in on LiveKit whose tabs all close at once", () => {
  it("those waiting for the room's turn leave in one change, never refused, and nobody is left behind", async () => {
    const occurrenceId = await createOccurrence(db, facilitatorId, 12);
    const lead = await socketFor(facilitator);
    const leadJoin = joined(await sendRoom(lead, "room:join", { occurrenceId }));
    expect(await sendRoom(lead, "mod:open")).toMatchObject({ ok: true });
    const workers: Client[] = [];
    for (const guest of guests.slice(0, 12)) {
      const s = await socketFor(guest);
      joined(await sendRoom(s, "room:join", { occurrenceId }));
      workers.push(s);
    }
    const before = (await readLiveRoom(db, occurrenceId))!;
    expect(before.members).toHaveLength(13);

    // The room's row is held elsewhere, so the first leave's write waits; the other eleven queue behind it
    // (each alone, they raced one another for the room's version). The node's gate, with its default
    // limits, counts them all.
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "LiveRoom" WHERE "occurrenceId" = $1::uuid FOR UPDATE`, [occurrenceId]);
      for (const w of workers) w.disconnect();
      await timeUntil(inFlight, (n) => n === 12, 10_000, "twelve leaves waiting for the room");
    } finally {
      await holder.query("COMMIT").catch(() => undefined);
      await holder.end();
    }
    await timeUntil(
      async () => (await readLiveRoom(db, occurrenceId))!.members.length,
      (n) => n === 1,
      10_000,
      "everyone but the facilitator out",
    );
    const after = (await readLiveRoom(db, occurrenceId))!;
    expect(after.members.map((m) => m.id)).toEqual([leadJoin.memberId]);
    // Two changes for twelve leaves: the first, then the eleven that waited for it.
    expect(after.version).toBe(before.version + 2);
    expect(await inFlight()).toBe(0);
  }, 60_000);
});

describe("mesh audio (no LiveKit configured)", () => {
  it("guests waiting early fill the workers' places; the facilitator and a coordinator stepping in still get in", async () => {
    const meshOccurrenceId = await createOccurrence(db, facilitatorId, 10);
    const workerPlaces = MESH_MAX_MEMBERS - FACILITATOR_PLACES;
    const early = await Promise.all(guests.slice(0, 6).map((g) => connectedSocket(meshHttp, g, sockets)));
    const answers: RoomAck<RoomReply>[] = [];
    for (const s of early) answers.push(await sendRoom(s, "room:join", { occurrenceId: meshOccurrenceId }));
    expect(answers.slice(0, workerPlaces).every((a) => a.ok && a.data?.audio?.kind === "mesh")).toBe(true);
    for (const refused of answers.slice(workerPlaces)) {
      expect(refused).toMatchObject({ ok: false, error: { code: "full" } });
      // Plain words for a worker: no server or configuration names.
      expect(!refused.ok && refused.error.message).toBe(MESH_FULL_MESSAGE);
      expect(!refused.ok && refused.error.message).not.toMatch(/LIVEKIT|LiveKit/);
    }
    const before = (await readLiveRoom(db, meshOccurrenceId))!;
    expect(before.placesLeft).toBeGreaterThan(0); // the session itself has room: the audio does not

    const maria = await connectedSocket(meshHttp, facilitator, sockets);
    expect(joined(await sendRoom(maria, "room:join", { occurrenceId: meshOccurrenceId })).audio).toEqual({
      kind: "mesh",
    });
    const coordinator = await db.person.create({
      data: { displayName: "Dev Patel", roles: ["COORDINATOR"], status: "APPROVED" },
      select: { id: true },
    });
    const dev = await connectedSocket(
      meshHttp,
      { kind: "person", personId: coordinator.id, roles: ["COORDINATOR"], status: "APPROVED" },
      sockets,
    );
    const stepIn = joined(await sendRoom(dev, "room:join", { occurrenceId: meshOccurrenceId }));
    expect(stepIn.snapshot.members.find((m) => m.id === stepIn.memberId)).toMatchObject({ facilitator: true });
    expect(stepIn.snapshot.members).toHaveLength(MESH_MAX_MEMBERS);
    // Stepping in means running it: the coordinator can moderate.
    expect(await sendRoom(dev, "mod:lock", { locked: false })).toMatchObject({ ok: true });

    // Someone already in keeps their seat on a reconnect.
    const again = await connectedSocket(meshHttp, guests[0]!, sockets);
    expect(await sendRoom(again, "room:join", { occurrenceId: meshOccurrenceId })).toMatchObject({ ok: true });

    // With LiveKit the same room takes them (the cap is the mesh's, not the session's).
    if (liveKitNode) {
      const viaLiveKit = await socketFor(guests[MESH_MAX_MEMBERS]!);
      const ok = joined(await sendRoom(viaLiveKit, "room:join", { occurrenceId: meshOccurrenceId }));
      expect(ok.audio?.kind).toBe("livekit");
    }
  });
});
