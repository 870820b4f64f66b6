import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  OFFER_TIMEOUT_MS,
  callChannel,
  signalBytes,
  type Actor,
  type CallChatLine,
  type TalkAck,
  type TalkOfferView,
  type TalkReply,
} from "@offshift/core";
import { closeDb, createDb } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { createRealtimeServer, type RealtimeServer } from "./server.js";
import { TICKET_SECRET, client, silentLogger, waitFor, type Client } from "./test-helpers.js";
import { SIGNAL_BYTES_PER_10S } from "./limits.js";

// Two realtime nodes on one database, sharing a test clock, with the matcher
// ticking fast: offers, time-outs, disconnects and the call itself.
let db: TestPrisma;
let drop: () => Promise<void>;
let clock = Date.now();
const nodes: RealtimeServer[] = [];
const urls: string[] = [];
const sockets: Client[] = [];
const volunteers: Record<string, Actor> = {};
const guests: Actor[] = [];

async function startNode(url: string, nodeId: string) {
  const server = createRealtimeServer({
    databaseUrl: url,
    nodeId,
    corsOrigins: "*",
    ticketSecret: TICKET_SECRET,
    logger: process.env.TALK_DEBUG ? pino({ level: "warn" }) : silentLogger,
    now: () => new Date(clock),
    talk: { dispatchEveryMs: 100, heartbeatEveryMs: 1000 },
  });
  const port = await server.listen(0, "127.0.0.1");
  nodes.push(server);
  urls.push(`http://127.0.0.1:${port}`);
}

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talk");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
  for (const [name, languages, experience] of [
    ["Maria Santos", ["en", "pt"], ["nights"]],
    ["Sam Reid", ["en"], ["bereavement"]],
    ["Kwame Mensah", ["en"], ["lone working"]],
  ] as const) {
    const p = await db.person.create({
      data: {
        displayName: name,
        roles: ["VOLUNTEER"],
        status: "APPROVED",
        languages: [...languages],
        experience: [...experience],
      },
    });
    volunteers[name.split(" ")[0]!.toLowerCase()] = {
      kind: "person",
      personId: p.id,
      roles: ["VOLUNTEER"],
      status: "APPROVED",
    };
  }
  for (const nickname of ["Night Owl", "Kit", "Robin", "Wren"]) {
    const g = await db.guest.create({
      data: { nickname, tokenHash: `hash-${nickname}`, agreementAcceptedAt: new Date() },
    });
    guests.push({ kind: "guest", guestId: g.id });
  }
  await startNode(t.url, "talk-a");
  await startNode(t.url, "talk-b");
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await Promise.all(nodes.map((n) => n.close()));
  await closeDb(db);
  await drop();
});

async function connected(i: number, actor: Actor): Promise<Client> {
  const s = client(urls[i % urls.length]!, actor);
  sockets.push(s);
  await waitFor(s, "welcome");
  return s;
}
/** Sends a command and resolves with its ack; fails (naming the event) if none comes in 15 s. */
function send(s: Client, event: string, payload: unknown = {}): Promise<TalkAck<TalkReply>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event} in 15 s`)), 15_000);
    (s.emit as (e: string, p: unknown, ack: (r: TalkAck<TalkReply>) => void) => void)(event, payload, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}
/** Moves the shared clock in 5-second steps, letting both nodes' matchers and heartbeats run at each. */
async function advance(ms: number) {
  for (let done = 0; done < ms; done += 5000) {
    clock += Math.min(5000, ms - done);
    await new Promise((r) => setTimeout(r, 150));
  }
}
async function pendingOffer(s: Client): Promise<TalkOfferView> {
  for (let i = 0; ; i++) {
    const r = await send(s, "oncall:sync");
    if (r.ok && r.data?.onCall?.offer) return r.data.onCall.offer;
    if (i > 20) throw new Error(`no pending offer: ${JSON.stringify(r)}`);
    await new Promise((done) => setTimeout(done, 500));
  }
}
const rowCounts = async () => ({
  requests: await db.talkRequest.groupBy({ by: ["status"], _count: true }),
  calls: await db.talkCall.count({ where: { status: "ACTIVE" } }),
});

describe("the 1:1 line across two realtime nodes", () => {
  let maria: Client;
  let sam: Client;
  let owl: Client;
  let kwame: Client;
  let callId: string;

  it("a worker sees honest counts; volunteers go on call; only volunteers can", async () => {
    owl = await connected(1, guests[0]!);
    expect(await send(owl, "talk:sync")).toMatchObject({ ok: true, data: { status: { state: "none", onCall: 0 } } });
    expect(await send(owl, "oncall:start")).toMatchObject({ ok: false, error: { code: "forbidden" } });
    maria = await connected(0, volunteers.maria!);
    sam = await connected(1, volunteers.sam!);
    expect(await send(maria, "oncall:start")).toMatchObject({ ok: true, data: { onCall: { onCall: true } } });
    expect(await send(sam, "oncall:start", {})).toMatchObject({ ok: true });
    expect(await send(owl, "talk:sync")).toMatchObject({ data: { status: { state: "none", onCall: 2, free: 2 } } });
  });

  it("bad input: unknown preferences are refused with a clear error and nothing is queued", async () => {
    for (const [payload, message] of [
      [{ language: "xx" }, "Choose a language from the list"],
      [{ experience: ["astrology"] }, "Choose experience from the list"],
      [{ religion: "any" }, "We don't know that preference"],
    ] as const)
      expect(await send(owl, "talk:request", payload)).toEqual({ ok: false, error: { code: "invalid", message } });
    expect(await db.talkRequest.count()).toBe(0);
  });

  it("a Portuguese-speaking request goes to the volunteer who speaks it; a double request is refused", async () => {
    const offered = waitFor<TalkOfferView>(maria, "talk:offer");
    const asked = await send(owl, "talk:request", { language: "pt" });
    expect(asked).toMatchObject({ ok: true, data: { status: { state: "waiting", position: 1 } } });
    const offer = await offered;
    expect(offer).toMatchObject({ language: "pt", priority: false });
    expect(JSON.stringify(offer)).not.toMatch(/Owl|guest/);

    const before = await rowCounts();
    expect(await send(owl, "talk:request", {})).toMatchObject({ ok: false, error: { code: "already_waiting" } });
    expect(await rowCounts()).toEqual(before);
  });

  it("accepting someone else's offer, or an unknown one, is refused and changes nothing", async () => {
    const offer = await pendingOffer(maria);
    const before = await rowCounts();
    expect(await send(sam, "talk:accept", { offerId: offer.offerId })).toMatchObject({
      ok: false,
      error: { code: "not_yours" },
    });
    expect(await send(sam, "talk:accept", { offerId: "00000000-0000-4000-8000-000000000000" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await send(owl, "talk:accept", { offerId: offer.offerId })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await rowCounts()).toEqual(before);
  });

  it("preferences are honoured while they can be, then widen after a wait the worker sees", async () => {
    const offer = await pendingOffer(maria);
    const declined = await send(maria, "talk:decline", { offerId: offer.offerId });
    expect(declined, JSON.stringify(declined)).toEqual({ ok: true });
    await send(maria, "oncall:stop");
    await advance(60_000);
    // Sam does not speak Portuguese: not asked yet.
    expect(await send(owl, "talk:sync")).toMatchObject({
      data: { status: { state: "waiting", position: 1, widened: false, hasPreferences: true } },
    });
    expect((await send(sam, "oncall:sync")) as { data: TalkReply }).toMatchObject({
      data: { onCall: { offer: null } },
    });
    const toSam = waitFor<TalkOfferView>(sam, "talk:offer", 10_000);
    await advance(60_000);
    expect(await send(owl, "talk:sync")).toMatchObject({ data: { status: { widened: true } } });
    expect(await toSam).toMatchObject({ language: "pt", waitedMinutes: 2 });
  });

  it("an offer not accepted in time moves to the next volunteer", async () => {
    kwame = await connected(0, volunteers.kwame!);
    await send(kwame, "oncall:start");
    const offerId = (await pendingOffer(sam)).offerId;
    const closed = waitFor<{ offerId: string; reason: string }>(sam, "talk:offer-closed", 10_000);
    const toKwame = waitFor<TalkOfferView>(kwame, "talk:offer", 10_000);
    await advance(OFFER_TIMEOUT_MS + 1000);
    expect(await closed).toEqual({ offerId, reason: "expired" });
    expect((await toKwame).offerId).not.toBe(offerId);
    expect(await send(sam, "talk:accept", { offerId })).toMatchObject({ ok: false, error: { code: "expired" } });
  });

  it("a volunteer who disconnects mid-offer does not strand the request", async () => {
    await pendingOffer(kwame);
    await send(maria, "oncall:start");
    const toMaria = waitFor<TalkOfferView>(maria, "talk:offer", 10_000);
    kwame.disconnect();
    expect((await toMaria).language).toBe("pt");
    const offers = await db.talkOffer.findMany({ orderBy: { createdAt: "asc" }, select: { status: true } });
    expect(offers.map((o) => o.status)).toEqual(["DECLINED", "EXPIRED", "WITHDRAWN", "PENDING"]);
  });

  it("accepting connects both sides in a private call with side-chat and signalling; either can end it", async () => {
    const offer = await pendingOffer(maria);
    const matched = waitFor<{ callId: string }>(owl, "talk:matched");
    const accepted = await send(maria, "talk:accept", { offerId: offer.offerId });
    expect(accepted).toMatchObject({ ok: true });
    callId = (accepted as { data: TalkReply }).data.callId!;
    expect((await matched).callId).toBe(callId);
    // A second accept (another tab) changes nothing.
    expect(await send(maria, "talk:accept", { offerId: offer.offerId })).toMatchObject({ ok: false });
    expect(await db.talkCall.count()).toBe(1);

    const w = await send(owl, "call:join", { callId });
    expect(w).toMatchObject({
      ok: true,
      data: { call: { me: "worker", names: { volunteer: "Maria", worker: "Night Owl" } }, audio: { kind: "mesh" } },
    });
    // Without LiveKit the call's audio is the mesh, and a fresh "token" says so too.
    expect(await send(owl, "call:audio-token")).toEqual({ ok: true, data: { audio: { kind: "mesh" } } });
    expect(await send(maria, "call:join", { callId })).toMatchObject({ ok: true, data: { call: { me: "volunteer" } } });
    // Someone else cannot join.
    const kit = await connected(0, guests[1]!);
    expect(await send(kit, "call:join", { callId })).toMatchObject({ ok: false, error: { code: "not_found" } });

    const line = waitFor<CallChatLine>(maria, "call:chat");
    expect(await send(owl, "call:chat", { text: "hello" })).toEqual({ ok: true });
    expect(await line).toMatchObject({ from: "worker", text: "hello" });
    const signal = waitFor<{ from: string }>(owl, "rtc:signal");
    (maria.emit as (e: string, p: unknown) => void)("call:signal", {
      to: "worker",
      signal: { kind: "hello", session: "s1" },
    });
    expect(await signal).toMatchObject({ from: "volunteer", signal: { kind: "hello" } });
    // A flood from one side stops at the byte budget (issue 13 item 15), with a typed refusal.
    let heard = 0;
    maria.on("rtc:signal", () => heard++);
    const big = { kind: "description", session: "s2", description: { type: "offer", sdp: "a".repeat(15_000) } };
    const acks = await Promise.all(
      Array.from({ length: 30 }, () => send(owl, "call:signal", { to: "volunteer", signal: big })),
    );
    const relayed = Math.floor(SIGNAL_BYTES_PER_10S / signalBytes(big));
    expect(acks.filter((a) => a.ok)).toHaveLength(relayed);
    expect(acks.at(-1)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    await expect.poll(() => heard).toBe(relayed);

    // The worker's status says matched; Maria is not offered anything while in the call.
    expect(await send(owl, "talk:sync")).toMatchObject({ data: { status: { state: "matched", callId } } });
    const ended = new Promise<{ status: string; endedBy: string }>((resolve, reject) => {
      setTimeout(() => reject(new Error("the worker was not told the call ended in 15 s")), 15_000);
      owl.on("call:state", (v) => v.status === "ended" && resolve(v as never));
    });
    expect(await send(maria, "call:end")).toEqual({ ok: true });
    expect(await ended).toMatchObject({ status: "ended", endedBy: "volunteer" });
    // Out of the call's channels at once on Maria's node (told first, then taken out, on the same node),
    // and on Owl's as soon as the end reaches it: nothing of the call is relayed to either any more.
    const inCall = (node: RealtimeServer) => node.io.of("/").adapter.rooms.get(callChannel(callId))?.size ?? 0;
    expect(inCall(nodes[0]!)).toBe(0);
    await expect.poll(() => inCall(nodes[1]!), { timeout: 1500 }).toBe(0);
    expect(await send(owl, "call:end")).toMatchObject({ ok: false });
    // Nothing of the chat was stored anywhere.
    const dump = JSON.stringify(await db.talkCall.findMany()) + JSON.stringify(await db.auditEvent.findMany());
    expect(dump).not.toContain("hello");
  });

  it("a worker can cancel; the pending offer is withdrawn and the volunteer told", async () => {
    const robin = await connected(1, guests[2]!);
    const offered = Promise.race([
      waitFor<TalkOfferView>(maria, "talk:offer").then((o) => ({ o, v: maria })),
      waitFor<TalkOfferView>(sam, "talk:offer").then((o) => ({ o, v: sam })),
    ]);
    const asked = (await send(robin, "talk:request", {})) as { data: TalkReply };
    const { o: offer, v } = await offered;
    const closed = waitFor<{ reason: string }>(v, "talk:offer-closed");
    expect(await send(robin, "talk:cancel", { requestId: asked.data.requestId })).toMatchObject({
      ok: true,
      data: { status: { state: "none" } },
    });
    expect(await closed).toMatchObject({ reason: "withdrawn" });
    expect(await send(v, "talk:accept", { offerId: offer.offerId })).toMatchObject({
      ok: false,
      error: { code: "withdrawn" },
    });
    expect(await send(robin, "talk:cancel", { requestId: asked.data.requestId })).toMatchObject({
      ok: false,
      error: { code: "ended" },
    });
    expect(await db.talkCall.count()).toBe(1);
  });

  it("a drop-in facilitator steps a participant aside: they go first in the queue and are told", async () => {
    const lead = await db.person.create({
      data: { displayName: "Joanne Hughes", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const joanneActor: Actor = { kind: "person", personId: lead.id, roles: ["FACILITATOR"], status: "APPROVED" };
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "After a death",
        description: "Losing a client.",
        capacity: 6,
        durationMinutes: 60,
        rrule: "FREQ=WEEKLY;BYDAY=MO",
        startsOnLocal: "2026-11-30T22:00:00",
        facilitatorId: lead.id,
      },
    });
    const startsAt = new Date(clock + 5 * 60_000);
    const occ = await db.dropInOccurrence.create({
      data: {
        seriesId: series.id,
        originalStart: startsAt,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        title: series.title,
        theme: series.theme,
        description: series.description,
        capacity: 6,
        facilitatorId: lead.id,
      },
    });
    // Someone already waiting (no volunteer is free for them: everyone goes off call).
    await send(maria, "oncall:stop");
    await send(sam, "oncall:stop");
    const early = await connected(0, guests[1]!);
    expect(await send(early, "talk:request", {})).toMatchObject({ ok: true });

    const joanne = await connected(0, joanneActor);
    const wren = await connected(1, guests[3]!);
    expect(await send(joanne, "room:join", { occurrenceId: occ.id })).toMatchObject({ ok: true });
    const joined = (await send(wren, "room:join", { occurrenceId: occ.id })) as unknown as {
      data: { memberId: string };
    };
    // A participant cannot step someone aside; the facilitator can.
    expect(await send(wren, "talk:step-aside", { participantId: joined.data.memberId })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    const told = waitFor<{ requestId: string }>(wren, "talk:stepped-aside");
    const r = await send(joanne, "talk:step-aside", { participantId: joined.data.memberId });
    expect(r).toMatchObject({ ok: true });
    expect((await told).requestId).toBe((r as { data: TalkReply }).data.requestId);
    expect(await send(wren, "talk:sync")).toMatchObject({ data: { status: { state: "waiting", position: 1 } } });
    expect(await send(early, "talk:sync")).toMatchObject({ data: { status: { state: "waiting", position: 2 } } });
    // The first volunteer back on call is offered the stepped-aside request, marked as such.
    const offered = waitFor<TalkOfferView>(sam, "talk:offer");
    await send(sam, "oncall:start");
    expect(await offered).toMatchObject({ priority: true });
    expect(await db.auditEvent.count({ where: { action: "room.step-aside", actorPersonId: lead.id } })).toBe(1);
  });
});
