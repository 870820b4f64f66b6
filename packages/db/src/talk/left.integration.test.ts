import { PRESENCE_STALE_MS, WORKER_GRACE_MS } from "@offshift/core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { namedGuests } from "../testing/guests.js";
import { talkAggregates } from "./aggregates.js";
import { dispatchOffers } from "./matching.js";
import { dropTalkPresence, heartbeatTalkNode, onCallStatus, startOnCall, touchOnCallPresence } from "./oncall.js";
import { touchWaitingPresence } from "./presence.js";
import { cancelTalk, requestTalk, talkStatus } from "./requests.js";

// Issue 13 item 4: requests from workers who closed their page are never offered, not counted ahead of
// anyone, and closed as LEFT after the grace; a worker who comes back inside it keeps their place.

let db: TestPrisma;
let nodeB: TestPrisma;
let drop: () => Promise<void>;
const t0 = new Date("2026-11-24T23:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const { guest, nameOf } = namedGuests(() => db);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talk_left");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
  // A second realtime node's own connection pool.
  nodeB = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await closeDb(nodeB);
  await drop();
});
afterEach(async () => {
  await db.talkOffer.deleteMany();
  await db.talkCall.deleteMany();
  await db.talkRequest.deleteMany();
  await db.talkPresence.deleteMany();
  await db.onCall.deleteMany();
});

let volunteers = 0;
async function volunteerOnCall(nodeId = "a") {
  const name = `vol${++volunteers}`;
  const p = await db.person.create({
    data: {
      displayName: name,
      roles: ["VOLUNTEER"],
      status: "APPROVED",
      languages: ["en"],
      email: `${name}@x.example`,
    },
  });
  await startOnCall(db, { personId: p.id, now: t0 });
  await touchOnCallPresence(db, { socketId: `oncall-${name}`, personId: p.id, nodeId, now: t0 });
  return p.id;
}

/** A worker (a guest, by name) asks from a page (socket) on a node. */
async function ask(name: string, socketId: string, now: Date, nodeId = "a", conn = db) {
  const r = await requestTalk(conn, {
    requester: await guest(name),
    preferences: { experience: [] },
    now,
    page: { socketId, nodeId },
  });
  if (!r.ok) throw new Error(r.message);
  return r.requestId;
}

const position = async (name: string, now: Date) => {
  const s = await talkStatus(db, { requester: await guest(name), now });
  return s.state === "waiting" ? s.position : s.state;
};

describe("talk requests of workers who left", () => {
  it("guests who ask and close the tab at once: never offered, not ahead of a real worker, closed after the grace", async () => {
    const vols = await Promise.all([volunteerOnCall(), volunteerOnCall(), volunteerOnCall()]);
    // Six guests ask and close their tabs within the same second, across two nodes.
    for (let i = 0; i < 6; i++) {
      const socketId = `gone-${i}`;
      await ask(`gone${i}`, socketId, at(i * 10), i % 2 ? "b" : "a", i % 2 ? nodeB : db);
      await dropTalkPresence(i % 2 ? nodeB : db, { socketId, now: at(i * 10 + 5) });
    }
    await ask("real", "real-page", at(500), "b", nodeB);

    // Told they are first, not seventh; volunteers see one person waiting.
    expect(await position("real", at(600))).toBe(1);
    expect((await onCallStatus(db, { personId: vols[0]!, now: at(600) })).waiting).toBe(1);

    // Three free volunteers, seven requests: exactly one offer, to the worker who is here.
    const first = await dispatchOffers(nodeB, at(1000));
    expect(first.offered.map((o) => nameOf(o.requester))).toEqual(["real"]);
    expect(first.left).toEqual([]);
    // Inside the grace the six still hold their places (they may come back), but nobody is offered them.
    await heartbeatTalkNode(db, "a", at(WORKER_GRACE_MS - 1000));
    await heartbeatTalkNode(nodeB, "b", at(WORKER_GRACE_MS - 1000));
    const again = await dispatchOffers(db, at(WORKER_GRACE_MS - 1000));
    // (The first offer timed out after 30 s and passed to the next volunteer: still the real worker only.)
    expect(again.offered.map((o) => nameOf(o.requester))).toEqual(["real"]);
    expect(await db.talkRequest.count({ where: { status: "WAITING" } })).toBe(6);

    // After the grace they are closed, and counted honestly.
    await heartbeatTalkNode(db, "a", at(WORKER_GRACE_MS + 100));
    await heartbeatTalkNode(nodeB, "b", at(WORKER_GRACE_MS + 100));
    const closed = await dispatchOffers(db, at(WORKER_GRACE_MS + 100));
    expect(closed.left.map(nameOf).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `gone${i}`).sort());
    expect(await db.talkRequest.count({ where: { status: "LEFT" } })).toBe(6);
    expect(await db.talkOffer.count({ where: { request: { status: "LEFT" } } })).toBe(0);
    // The real worker's offer still stands.
    expect(await db.talkOffer.count({ where: { status: "PENDING" } })).toBe(1);
    const agg = await talkAggregates(db, { from: at(-60_000), to: at(60_000), timeZone: "Europe/London" });
    expect(agg).toMatchObject({ requests: 7, unanswered: 6, left: 6, waiting: 1 });
    // A closed request cannot be cancelled; the guest is told why in plain words.
    const gone0 = await guest("gone0");
    const gone = await db.talkRequest.findFirstOrThrow({ where: { requesterGuestId: gone0.id } });
    expect(await cancelTalk(db, { requestId: gone.id, requester: gone0, now: at(WORKER_GRACE_MS + 200) })).toEqual({
      ok: false,
      code: "ended",
      message: "That request closed when your page was closed. You can ask again.",
    });
    // Coming back, they are told why in plain words (the page says so), and may ask again.
    expect(await talkStatus(db, { requester: gone0, now: at(WORKER_GRACE_MS + 250) })).toMatchObject({
      state: "none",
      lapsed: true,
    });
    expect(
      await talkStatus(db, { requester: await guest("never-asked"), now: at(WORKER_GRACE_MS + 250) }),
    ).not.toHaveProperty("lapsed");
    await ask("gone0", "gone-0-again", at(WORKER_GRACE_MS + 300));
  });

  it("an offer pending for a worker whose page closes is withdrawn at once, with the reason", async () => {
    const vol = await volunteerOnCall();
    const requestId = await ask("owl", "owl-page", t0);
    const offered = await dispatchOffers(db, at(1000));
    expect(offered.offered).toHaveLength(1);

    const dropped = await dropTalkPresence(db, { socketId: "owl-page", now: at(2000) });
    expect(dropped.closed).toEqual([
      { offerId: offered.offered[0]!.offer.offerId, volunteerId: vol, requester: await guest("owl"), reason: "left" },
    ]);
    expect(await db.talkRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({
      status: "WAITING",
      workerSeenAt: at(2000),
    });
    expect((await onCallStatus(db, { personId: vol, now: at(2100) })).offer).toBeNull();
    // Not offered again while away.
    expect((await dispatchOffers(db, at(3000))).offered).toEqual([]);
  });

  it("a phone that reconnects inside the grace keeps its place and is offered when a volunteer is free", async () => {
    await ask("early", "early-phone", t0);
    await ask("later", "later-page", at(1000));
    expect(await position("later", at(1500))).toBe(2);

    // The phone loses its connection: the one behind moves up meanwhile...
    await dropTalkPresence(db, { socketId: "early-phone", now: at(2000) });
    expect(await position("later", at(2500))).toBe(1);
    // ...and gets back on a new socket, on the other node, 40 s later (inside the grace).
    await touchWaitingPresence(nodeB, {
      socketId: "early-phone-2",
      requester: await guest("early"),
      nodeId: "b",
      now: at(2000 + WORKER_GRACE_MS - 5000),
    });
    const back = at(2000 + WORKER_GRACE_MS + 1000);
    await heartbeatTalkNode(db, "a", back);
    await heartbeatTalkNode(nodeB, "b", back);
    expect((await dispatchOffers(db, back)).left).toEqual([]);
    expect(await position("early", back)).toBe(1);
    expect(await position("later", back)).toBe(2);
    // The first volunteer free is offered the worker who asked first.
    await volunteerOnCall();
    await heartbeatTalkNode(db, "a", back);
    expect((await dispatchOffers(db, back)).offered.map((o) => nameOf(o.requester))).toEqual(["early"]);
  });

  it("a realtime node that dies: its workers stop being offered when its heartbeat goes stale, and close after the grace", async () => {
    await ask("on-b", "b-page", t0, "b", nodeB);
    await ask("on-a", "a-page", at(10), "a");
    // Node b beats once more, then dies without a disconnect; node a keeps beating.
    await heartbeatTalkNode(nodeB, "b", at(5000));
    const stale = at(5000 + PRESENCE_STALE_MS + 1000);
    await heartbeatTalkNode(db, "a", stale);
    await volunteerOnCall();
    await heartbeatTalkNode(db, "a", stale);
    expect((await dispatchOffers(db, stale)).offered.map((o) => nameOf(o.requester))).toEqual(["on-a"]);
    expect(await position("on-a", stale)).toBe(1);
    // Still inside the grace counted from b's last heartbeat: not closed yet.
    expect((await dispatchOffers(db, at(5000 + WORKER_GRACE_MS - 1000))).left).toEqual([]);
    const after = at(5000 + WORKER_GRACE_MS + 1000);
    await heartbeatTalkNode(db, "a", after);
    expect((await dispatchOffers(db, after)).left.map(nameOf)).toEqual(["on-b"]);
  });
});
