import { Writable } from "node:stream";
import { SignJWT } from "jose";
import type { RoomServiceClient } from "livekit-server-sdk";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Actor, TalkOfferView } from "@offshift/core";
import { closeDb, createDb, readLiveRoom } from "@offshift/db";
import {
  createTestDatabase,
  liveKitServerForTests,
  type TestLiveKit,
  testPrisma,
  type TestPrisma,
} from "@offshift/db/testing";
import type { RealtimeServer } from "./server.js";
import { AudioPeer, HEARD_RMS, timeUntil } from "./test-audio.js";
import { liveKitRoomName } from "./livekit.js";
import { waitFor, type Client } from "./test-helpers.js";
import {
  connectedSocket,
  createOccurrence,
  facilitatorAndGuests,
  joined,
  liveKitToken,
  realtimeWithLiveKit,
  liveKitTestKit,
  sendRoom,
  sendTalk,
} from "./test-livekit.js";

// The audio server failing under a live room: down when people join and
// moderate (the socket room carries on, RoomService failures are logged),
// and SIGKILLed mid-session then started again (participants are back and
// hear each other, the room's state and its mutes intact).
const bin = liveKitServerForTests("LiveKit fault tests");

let db: TestPrisma;
let drop: () => Promise<void>;
let lk: TestLiveKit | undefined;
let rooms: RoomServiceClient;
let node: RealtimeServer | undefined;
let url: string;
let facilitatorId: string;
let facilitator: Actor;
let guests: Actor[];
const kit = liveKitTestKit("livekit-faults.test");
const { sockets, measured } = kit;
/** What realtime logged at warn and above. */
const warnings: string[] = [];

describe.skipIf(!bin)("LiveKit failing under a live room", () => {
  beforeAll(async () => {
    const t = await createTestDatabase(inject("pgAdminUrl"), "livekit_faults");
    drop = t.drop;
    db = testPrisma(createDb(t.url));
    ({ facilitatorId, facilitator, guests } = await facilitatorAndGuests(db, [
      "Night Owl",
      "Kit",
      "Robin",
      "Sam",
      "Jo",
    ]));
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          warnings.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
          done();
        },
      }),
    );
    // The keeper every second (10 s in production), so a lost participant is noticed quickly here.
    const r = await realtimeWithLiveKit(bin!, t.url, "node-faults", { logger, roomKeeper: { everyMs: 1000 } });
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
  const socketFor = (actor: Actor) => connectedSocket(url, actor, sockets);
  const freshToken = async (s: Client) => liveKitToken(joined(await sendRoom(s, "room:audio-token")).audio).token;

  it("LiveKit down when people join and moderate: the room works, tokens are handed out, failures are logged", async () => {
    const occurrenceId = await createOccurrence(db, facilitatorId, 10);
    await lk!.stop();
    const maria = await socketFor(facilitator);
    const owl = await socketFor(guests[0]!);
    const kit = await socketFor(guests[1]!);
    const started = Date.now();
    const m = joined(await sendRoom(maria, "room:join", { occurrenceId }));
    measured.joinWhileLiveKitDown = Date.now() - started;
    expect(m.audio?.kind).toBe("livekit");
    expect(await sendRoom(maria, "mod:open")).toMatchObject({ ok: true });
    const owlId = joined(await sendRoom(owl, "room:join", { occurrenceId })).memberId;
    const k = joined(await sendRoom(kit, "room:join", { occurrenceId }));
    const kitId = k.memberId;
    expect(await sendRoom(maria, "mod:mute", { participantId: owlId })).toMatchObject({ ok: true });
    expect(await sendRoom(maria, "mod:remove", { participantId: kitId })).toMatchObject({ ok: true });
    expect(await sendRoom(owl, "room:chat", { text: "still here" })).toMatchObject({ ok: true });
    const state = (await readLiveRoom(db, occurrenceId))!;
    expect(state.members.find((x) => x.id === owlId)).toMatchObject({ mutedByFacilitator: true });
    expect(state.members.map((x) => x.id)).not.toContain(kitId);
    await timeUntil(
      () => warnings,
      (w) =>
        w.some((x) => /LiveKit permission update failed/.test(x)) && w.some((x) => /LiveKit remove failed/.test(x)),
      15_000,
      "RoomService failures logged",
    );

    // Back up: the decisions made while it was down hold on the audio server too.
    await lk!.start();
    const owlPeer = peer("owl after outage");
    await owlPeer.connect(lk!.url, await freshToken(owl));
    // Kit's token was minted before the removal, which the server never heard about: removed on join.
    const kitPeer = peer("kit after outage");
    const kitInside = await kitPeer.connect(lk!.url, liveKitToken(k.audio).token).then(
      () => true,
      () => false,
    );
    if (kitInside)
      await timeUntil(
        () => kitPeer.connected,
        (c) => !c,
        2000,
        "Kit removed on join",
      );
    await timeUntil(
      async () => (await rooms.getParticipant(occurrenceId, owlPeer.identity!).catch(() => null))?.permission,
      (p) => p?.canPublish === false,
      5000,
      "the mute applied on join",
    );
  });

  it("SIGKILL mid-session, then start again: participants are back and hear each other within 15 s, room state intact", async () => {
    const occurrenceId = await createOccurrence(db, facilitatorId, 10);
    const maria = await socketFor(facilitator);
    const robin = await socketFor(guests[2]!);
    const sam = await socketFor(guests[3]!);
    const mariaId = joined(await sendRoom(maria, "room:join", { occurrenceId })).memberId;
    expect(await sendRoom(maria, "mod:open")).toMatchObject({ ok: true });
    const robinId = joined(await sendRoom(robin, "room:join", { occurrenceId })).memberId;
    const samId = joined(await sendRoom(sam, "room:join", { occurrenceId })).memberId;
    expect(await sendRoom(maria, "mod:mute", { participantId: samId })).toMatchObject({ ok: true });
    const members: [Client, AudioPeer, number][] = [
      [maria, peer("maria"), 330],
      [robin, peer("robin"), 440],
      [sam, peer("sam"), 550],
    ];
    for (const [s, p, hz] of members) {
      await p.connect(lk!.url, await freshToken(s));
      if (s !== sam) await p.publishTone(hz);
    }
    const [mariaPeer, robinPeer, samPeer] = members.map(([, p]) => p) as [AudioPeer, AudioPeer, AudioPeer];
    const hearEachOther = () => [mariaPeer.hearing(robinId), robinPeer.hearing(mariaId), samPeer.hearing(mariaId)];
    await timeUntil(hearEachOther, (l) => l.every((x) => x > HEARD_RMS), 20_000, "all hear before the kill");
    const before = (await readLiveRoom(db, occurrenceId))!;

    await lk!.kill();
    const killed = Date.now();
    await lk!.start();
    measured.liveKitRestart = Date.now() - killed;
    // Each participant is back: rtc-node's own reconnect, or (if it gave up) a rejoin with a fresh token.
    // Only sound that left the new server counts (a jitter buffer plays on for a moment after a kill).
    const since = Date.now() + 1000;
    const rejoined: string[] = [];
    await timeUntil(
      async () => {
        for (const [s, p, hz] of members) {
          if (p.disconnectReason !== null && !p.connected) {
            rejoined.push(p.label);
            p.disconnectReason = null;
            await p.connect(lk!.url, await freshToken(s)).catch(() => undefined);
            if (p.connected && s !== sam) await p.publishTone(hz);
          }
        }
        const present = (await rooms.listParticipants(occurrenceId).catch(() => [])).map((x) => x.identity);
        return {
          present: [mariaId, robinId, samId].every((id) => present.includes(id)),
          heard: [
            mariaPeer.heardSince(robinId, since),
            robinPeer.heardSince(mariaId, since),
            samPeer.heardSince(mariaId, since),
          ],
        };
      },
      (r) => r.present && r.heard.every(Boolean),
      15_000,
      "all back on the new server and hearing each other",
    );
    measured.heardAgainAfterKill = Date.now() - killed;
    measured.rejoinedWithFreshToken = rejoined.length;

    // The room itself never noticed: same members, same mute, same version.
    const after = (await readLiveRoom(db, occurrenceId))!;
    expect(after.members).toEqual(before.members);
    expect(after.version).toBe(before.version);
    // The facilitator's mute holds on the new server too (enforced again on the join it saw).
    await timeUntil(
      async () => (await rooms.getParticipant(occurrenceId, samId).catch(() => null))?.permission?.canPublish,
      (can) => can === false,
      5000,
      "Sam still without publish",
    );
    expect(robinPeer.hearing(samId)).toBe(0);
  });

  it("a member the crashed server lost (no participant_left ever comes) leaves once the restarted server is asked", async () => {
    const occurrenceId = await createOccurrence(db, facilitatorId, 10);
    const maria = await socketFor(facilitator);
    const jo = await socketFor(guests[4]!);
    joined(await sendRoom(maria, "room:join", { occurrenceId }));
    const joId = joined(await sendRoom(jo, "room:join", { occurrenceId })).memberId;
    const joPeer = peer("jo");
    await joPeer.connect(lk!.url, await freshToken(jo));
    await timeUntil(
      () => db.roomPresence.count({ where: { memberId: joId, socketId: { startsWith: "livekit:" } } }),
      (n) => n === 1,
      10_000,
      "Jo present through LiveKit",
    );
    // Jo's socket goes (a phone switching networks): the audio connection alone keeps the seat.
    jo.disconnect();
    await timeUntil(
      () => db.roomPresence.count({ where: { memberId: joId, socketId: { not: { startsWith: "livekit:" } } } }),
      (n) => n === 0,
      10_000,
      "Jo's socket presence gone",
    );
    // A keeper pass after that asked LiveKit and refreshed Jo's row: Jo is still seated.
    const socketGone = new Date();
    await timeUntil(
      async () =>
        (await db.roomPresence.findFirst({ where: { memberId: joId }, select: { heartbeatAt: true } }))?.heartbeatAt,
      (at) => !!at && at > socketGone,
      10_000,
      "Jo's LiveKit presence refreshed by the keeper",
    );
    expect((await readLiveRoom(db, occurrenceId))!.members.map((m) => m.id)).toContain(joId);

    // The audio server dies with Jo on it, and Jo never comes back: no webhook will ever say so.
    await lk!.kill();
    await joPeer.close();
    await lk!.start();
    const restarted = Date.now();
    await timeUntil(
      async () => (await readLiveRoom(db, occurrenceId))!.members.map((m) => m.id),
      (ids) => !ids.includes(joId),
      15_000,
      "Jo out of the room",
    );
    measured.lostParticipantDroppedAfterRestart = Date.now() - restarted;
    expect(await db.roomPresence.count({ where: { memberId: joId } })).toBe(0);
  });

  it("a 1:1 call while LiveKit is down still gets its tokens; its room is created once LiveKit is back", async () => {
    const p = await db.person.create({
      data: { displayName: "Sam Reid", roles: ["VOLUNTEER"], status: "APPROVED", languages: ["en"] },
    });
    const volunteer: Actor = { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" };
    const sam = await socketFor(volunteer);
    const owl = await socketFor(guests[0]!);
    expect(await sendTalk(sam, "oncall:start")).toMatchObject({ ok: true });
    await lk!.stop();
    const offered = waitFor<TalkOfferView>(sam, "talk:offer", 15_000);
    expect(await sendTalk(owl, "talk:request", {})).toMatchObject({ ok: true });
    const accepted = await sendTalk(sam, "talk:accept", { offerId: (await offered).offerId });
    const callId = accepted.ok ? accepted.data!.callId! : "";
    const started = Date.now();
    const w = await sendTalk(owl, "call:join", { callId });
    measured.callJoinWhileLiveKitDown = Date.now() - started;
    expect(w).toMatchObject({ ok: true, data: { call: { me: "worker" }, audio: { kind: "livekit" } } });
    await timeUntil(
      () => warnings,
      (x) => x.some((m) => /LiveKit call room create failed/.test(m)),
      10_000,
      "the failure logged",
    );

    await lk!.start();
    expect(await sendTalk(sam, "call:join", { callId })).toMatchObject({
      ok: true,
      data: { audio: { kind: "livekit" } },
    });
    const room = liveKitRoomName.call(callId);
    expect((await rooms.listRooms([room]))[0]?.maxParticipants).toBe(2);
    expect(await sendTalk(owl, "call:end")).toMatchObject({ ok: true });
    await timeUntil(
      async () => (await rooms.listRooms([room])).length,
      (n) => n === 0,
      5000,
      "room deleted",
    );
  });

  it("joins whose webhooks never arrive are caught by the room keeper: a stranger removed, a muted member silenced", async () => {
    // LiveKit restarted without its webhook URL: realtime hears nothing from it.
    await lk!.stop();
    const hooks = lk!.webhookUrls;
    lk!.webhookUrls = [];
    await lk!.start();
    try {
      const occurrenceId = await createOccurrence(db, facilitatorId, 10);
      const maria = await socketFor(facilitator);
      const kit = await socketFor(guests[1]!);
      joined(await sendRoom(maria, "room:join", { occurrenceId }));
      expect(await sendRoom(maria, "mod:open")).toMatchObject({ ok: true });
      const k = joined(await sendRoom(kit, "room:join", { occurrenceId }));
      const kitTokenBeforeMute = liveKitToken(k.audio).token;
      expect(await sendRoom(maria, "mod:mute", { participantId: k.memberId })).toMatchObject({ ok: true });

      const kitPeer = peer("kit, muted, old token");
      await kitPeer.connect(lk!.url, kitTokenBeforeMute);
      const stranger = await new SignJWT({
        video: { room: occurrenceId, roomJoin: true, canPublish: true, canSubscribe: true },
      })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(lk!.apiKey)
        .setSubject("m_00000000000000aa")
        .setNotBefore(Math.floor(Date.now() / 1000) - 5)
        .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
        .sign(new TextEncoder().encode(lk!.apiSecret));
      const strangerPeer = peer("stranger");
      await strangerPeer.connect(lk!.url, stranger);
      const joinedAt = Date.now();
      await timeUntil(
        () => strangerPeer.connected,
        (c) => !c,
        10_000,
        "the stranger removed by the keeper",
      );
      await timeUntil(
        async () => (await rooms.getParticipant(occurrenceId, k.memberId).catch(() => null))?.permission?.canPublish,
        (can) => can === false,
        10_000,
        "Kit without publish",
      );
      measured.keeperBackstop = Date.now() - joinedAt;
      expect(kitPeer.connected).toBe(true);
    } finally {
      await lk!.stop();
      lk!.webhookUrls = hooks;
      await lk!.start();
    }
  });
});
