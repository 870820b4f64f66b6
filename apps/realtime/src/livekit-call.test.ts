import { SignJWT } from "jose";
import { TokenVerifier, type RoomServiceClient } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { guestChannel, personChannel, type Actor, type TalkOfferView } from "@offshift/core";
import { closeDb, createDb } from "@offshift/db";
import {
  createTestDatabase,
  liveKitServerForTests,
  type TestLiveKit,
  testPrisma,
  type TestPrisma,
} from "@offshift/db/testing";
import { callAudioIdentity, liveKitRoomName } from "./livekit.js";
import type { RealtimeServer } from "./server.js";
import { AudioPeer, HEARD_RMS, timeUntil } from "./test-audio.js";
import { TICKET_SECRET, waitFor, type Client } from "./test-helpers.js";
import { connectedSocket, liveKitTestKit, liveKitToken, realtimeWithLiveKit, sendTalk } from "./test-livekit.js";

// A 1:1 call over the real LiveKit server: its own room named from the call
// id and held to two by the server, tokens for the two sides only (per-call
// aliases, never names or ids), both hear each other, nobody else gets in,
// and ending the call closes the room under both.
const bin = liveKitServerForTests("LiveKit 1:1 call tests");

let db: TestPrisma;
let drop: () => Promise<void>;
let lk: TestLiveKit | undefined;
let rooms: RoomServiceClient;
let node: RealtimeServer | undefined;
let url: string;
const kit = liveKitTestKit("livekit-call.test");
const { sockets, measured } = kit;

describe.skipIf(!bin)("a 1:1 call on the real LiveKit server", () => {
  let volunteer: Actor;
  let volunteerId: string;
  let worker: Actor;
  let workerGuestId: string;
  let other: Actor;
  let maria: Client;
  let owl: Client;
  let callId: string;
  let workerPeer: AudioPeer;
  let volunteerPeer: AudioPeer;
  let workerIdentity: string;
  let volunteerIdentity: string;
  let workerToken: string;

  beforeAll(async () => {
    const t = await createTestDatabase(inject("pgAdminUrl"), "livekit_call");
    drop = t.drop;
    db = testPrisma(createDb(t.url));
    const p = await db.person.create({
      data: { displayName: "Maria Santos", roles: ["VOLUNTEER"], status: "APPROVED", languages: ["en"] },
    });
    volunteerId = p.id;
    volunteer = { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" };
    const g = await db.guest.create({
      data: { nickname: "Night Owl", tokenHash: "hash-owl", agreementAcceptedAt: new Date() },
    });
    workerGuestId = g.id;
    worker = { kind: "guest", guestId: g.id };
    const k = await db.guest.create({
      data: { nickname: "Kit", tokenHash: "hash-kit", agreementAcceptedAt: new Date() },
    });
    other = { kind: "guest", guestId: k.id };
    const r = await realtimeWithLiveKit(bin!, t.url, "node-call", { talk: { dispatchEveryMs: 100 } });
    lk = r.lk;
    node = r.server;
    url = r.url;
    rooms = r.rooms;
  }, 90_000);
  afterAll(async () => {
    await kit.close(
      async () => node?.close(),
      async () => lk?.dispose(),
      async () => (db ? closeDb(db) : undefined),
      async () => drop?.(),
    );
  }, 60_000);

  const peer = kit.peer;

  it("a matched call answers call:join with a token for the call's own room, for its two sides only", async () => {
    maria = await connectedSocket(url, volunteer, sockets);
    owl = await connectedSocket(url, worker, sockets);
    expect(await sendTalk(maria, "oncall:start")).toMatchObject({ ok: true });
    const offered = waitFor<TalkOfferView>(maria, "talk:offer", 15_000);
    expect(await sendTalk(owl, "talk:request", {})).toMatchObject({ ok: true });
    const offer = await offered;
    const accepted = await sendTalk(maria, "talk:accept", { offerId: offer.offerId });
    expect(accepted).toMatchObject({ ok: true });
    callId = accepted.ok ? accepted.data!.callId! : "";

    const w = await sendTalk(owl, "call:join", { callId });
    const v = await sendTalk(maria, "call:join", { callId });
    expect(w).toMatchObject({ ok: true, data: { call: { me: "worker" } } });
    const verifier = new TokenVerifier(lk!.apiKey, lk!.apiSecret);
    const wc = await verifier.verify(liveKitToken(w.ok ? w.data?.audio : undefined).token);
    const vc = await verifier.verify(liveKitToken(v.ok ? v.data?.audio : undefined).token);
    const room = liveKitRoomName.call(callId);
    expect(room).toBe(`call-${callId}`);
    expect(wc.video).toEqual({
      room,
      roomJoin: true,
      roomAdmin: false,
      canPublish: true,
      canPublishSources: ["microphone"],
      canSubscribe: true,
      canPublishData: false,
    });
    expect(vc.video?.room).toBe(room);
    workerIdentity = wc.sub!;
    volunteerIdentity = vc.sub!;
    expect(workerIdentity).toBe(callAudioIdentity(TICKET_SECRET, callId, guestChannel(workerGuestId)));
    expect(volunteerIdentity).toBe(callAudioIdentity(TICKET_SECRET, callId, personChannel(volunteerId)));
    // Identities and names say nothing about who is talking: aliases and the side.
    for (const c of [wc, vc]) {
      expect(c.sub).toMatch(/^m_[0-9a-f]{16}$/);
      expect(JSON.stringify(c)).not.toMatch(new RegExp(`${volunteerId}|${workerGuestId}|Maria|Owl`));
    }
    expect([wc.name, vc.name]).toEqual(["worker", "volunteer"]);
    // The room exists before anyone connects, held to two by the server.
    const created = (await rooms.listRooms([room]))[0];
    expect(created?.maxParticipants).toBe(2);

    // A fresh token for a side that is in the call; someone else gets nothing.
    const fresh = await sendTalk(owl, "call:audio-token");
    expect((await verifier.verify(liveKitToken(fresh.ok ? fresh.data?.audio : undefined).token)).sub).toBe(
      workerIdentity,
    );
    const kit = await connectedSocket(url, other, sockets);
    expect(await sendTalk(kit, "call:join", { callId })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await sendTalk(kit, "call:audio-token")).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("both sides hear each other", async () => {
    workerPeer = peer("worker");
    volunteerPeer = peer("volunteer");
    const token = async (s: Client) => {
      const r = await sendTalk(s, "call:audio-token");
      return liveKitToken(r.ok ? r.data?.audio : undefined).token;
    };
    const started = Date.now();
    workerToken = await token(owl);
    await workerPeer.connect(lk!.url, workerToken);
    await volunteerPeer.connect(lk!.url, await token(maria));
    await Promise.all([workerPeer.publishTone(440), volunteerPeer.publishTone(330)]);
    await timeUntil(
      () => [workerPeer.hearing(volunteerIdentity), volunteerPeer.hearing(workerIdentity)],
      (levels) => levels.every((l) => l > HEARD_RMS),
      20_000,
      "both hear each other",
    );
    measured.callConnectedAndHeard = Date.now() - started;
  });

  it("a third identity with a valid token for the call's room is not let in", async () => {
    const room = liveKitRoomName.call(callId);
    const third = await new SignJWT({ video: { room, roomJoin: true, canPublish: true, canSubscribe: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(lk!.apiKey)
      .setSubject("m_fedcba9876543210")
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(lk!.apiSecret));
    const intruder = peer("third");
    // The server holds the room to two (refused outright); were it let in, the webhook check removes it at once.
    const connected = await intruder.connect(lk!.url, third).then(
      () => true,
      () => false,
    );
    if (connected)
      await timeUntil(
        () => intruder.connected,
        (c) => !c,
        2000,
        "the third removed",
      );
    const inRoom = (await rooms.listParticipants(room)).map((p) => p.identity).sort();
    expect(inRoom).toEqual([workerIdentity, volunteerIdentity].sort());
    expect(workerPeer.others()).toEqual([volunteerIdentity]);
    // The two still hear each other.
    expect(workerPeer.hearing(volunteerIdentity)).toBeGreaterThan(HEARD_RMS);
  });

  it("a third identity is removed by the webhook check even where the room's limit would let it in", async () => {
    // The volunteer's connection drops for a moment: a place is free and the third tries it.
    const room = liveKitRoomName.call(callId);
    await volunteerPeer.close();
    await timeUntil(
      async () => (await rooms.listParticipants(room)).length,
      (n) => n === 1,
      10_000,
      "volunteer gone",
    );
    const third = await new SignJWT({ video: { room, roomJoin: true, canPublish: true, canSubscribe: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(lk!.apiKey)
      .setSubject("m_fedcba9876543210")
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(lk!.apiSecret));
    const intruder = peer("third again");
    await intruder.connect(lk!.url, third);
    const joinedAt = Date.now();
    await timeUntil(
      () => intruder.connected,
      (c) => !c,
      2000,
      "the third removed",
    );
    measured.callIntruderRemoved = Date.now() - joinedAt;
    expect((await rooms.listParticipants(room)).map((p) => p.identity)).toEqual([workerIdentity]);

    // The volunteer comes back with a fresh token and they hear each other again.
    volunteerPeer = peer("volunteer again");
    const r = await sendTalk(maria, "call:audio-token");
    await volunteerPeer.connect(lk!.url, liveKitToken(r.ok ? r.data?.audio : undefined).token);
    await volunteerPeer.publishTone(330);
    await timeUntil(
      () => [workerPeer.hearing(volunteerIdentity), volunteerPeer.hearing(workerIdentity)],
      (levels) => levels.every((l) => l > HEARD_RMS),
      20_000,
      "both hear each other again",
    );
  });

  it("either side ending the call deletes its room: both are disconnected, and no new token", async () => {
    const ended = Date.now();
    expect(await sendTalk(owl, "call:end")).toMatchObject({ ok: true });
    await timeUntil(
      () => [workerPeer.connected, volunteerPeer.connected],
      (c) => c.every((x) => !x),
      5000,
      "both disconnected",
    );
    measured.callEndedDisconnected = Date.now() - ended;
    expect((await rooms.listRooms()).map((r) => r.name)).not.toContain(liveKitRoomName.call(callId));
    expect(await sendTalk(maria, "call:audio-token")).toMatchObject({ ok: false, error: { code: "ended" } });
    // A side that comes back with its token from before the end is removed: the call is over.
    const late = peer("late");
    const inside = await late.connect(lk!.url, workerToken).then(
      () => true,
      () => false,
    );
    if (inside)
      await timeUntil(
        () => late.connected,
        (c) => !c,
        2000,
        "late side removed",
      );
    await rooms.deleteRoom(liveKitRoomName.call(callId)).catch(() => undefined);
  });
});
