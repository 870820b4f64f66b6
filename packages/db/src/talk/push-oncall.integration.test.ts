import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AD_HOC_ON_CALL_MS, OFFER_TIMEOUT_MS } from "@offshift/core";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { namedGuests } from "../testing/guests.js";
import { acceptOffer, dispatchOffers } from "./matching.js";
import { dropTalkPresence, heartbeatTalkNode, startOnCall, touchOnCallPresence } from "./oncall.js";
import { requestTalk, talkAvailability } from "./requests.js";
import { savePushSubscription } from "../push/subscriptions.js";

// Being on call without an open page: a volunteer whose device takes offers by push
// is asked like one with the page open, and an offer nobody answers still passes on.
let db: TestPrisma;
let drop: () => Promise<void>;
const t0 = new Date("2026-11-24T23:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const { guest } = namedGuests(() => db);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talkpush");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

let n = 0;
async function onCallVolunteer(name: string, reach: "page" | "push" | "nothing") {
  const p = await db.person.create({ data: { displayName: name, roles: ["VOLUNTEER"], status: "APPROVED" } });
  await startOnCall(db, { personId: p.id, now: t0 });
  if (reach === "page") await touchOnCallPresence(db, { socketId: `s-${p.id}`, personId: p.id, nodeId: "n1", now: t0 });
  if (reach === "push") {
    n++;
    await savePushSubscription(db, {
      actor: { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" },
      subscription: {
        endpoint: `https://push.example.org/v/${n}`,
        keys: { p256dh: Buffer.alloc(65, n).toString("base64url"), auth: Buffer.alloc(16, n).toString("base64url") },
        topics: ["offers"],
        discreet: true,
      },
      now: t0,
    });
  }
  return p.id;
}
const reset = async () => {
  await db.talkCall.deleteMany();
  await db.talkRequest.deleteMany();
  await db.talkPresence.deleteMany();
  await db.onCall.deleteMany();
  await db.pushSubscription.deleteMany();
};

describe("on call with no page open, offers by push", () => {
  it("is counted and asked; on call with neither a page nor a device is not", async () => {
    await reset();
    await onCallVolunteer("Nobody Reachable", "nothing");
    const byPush = await onCallVolunteer("Pocket Vol", "push");
    expect(await talkAvailability(db, t0)).toEqual({ onCall: 1, free: 1 });
    const asked = await requestTalk(db, {
      requester: await guest("w1"),
      preferences: { experience: [] },
      now: t0,
      page: { socketId: "w1", nodeId: "n1" },
    });
    expect(asked.ok).toBe(true);
    const r = await dispatchOffers(db, t0);
    expect(r.offered.map((o) => o.volunteerId)).toEqual([byPush]);
  });

  it("its offer is not withdrawn for want of a page, can be accepted, and one left unanswered passes on at its timeout", async () => {
    await reset();
    const first = await onCallVolunteer("First Pocket", "push");
    await requestTalk(db, {
      requester: await guest("w2"),
      preferences: { experience: [] },
      now: t0,
      page: { socketId: "w2", nodeId: "n1" },
    });
    const offered = await dispatchOffers(db, t0);
    expect(offered.offered.map((o) => o.volunteerId)).toEqual([first]);

    // A second volunteer comes on call with their page open; the worker's page stays.
    const second = await onCallVolunteer("Second Page", "page");
    await heartbeatTalkNode(db, "n1", at(10_000));
    const meanwhile = await dispatchOffers(db, at(10_000));
    expect(meanwhile.closed).toEqual([]);

    await heartbeatTalkNode(db, "n1", at(OFFER_TIMEOUT_MS));
    const timedOut = await dispatchOffers(db, at(OFFER_TIMEOUT_MS));
    expect(timedOut.closed).toMatchObject([{ volunteerId: first, reason: "expired" }]);
    expect(timedOut.offered.map((o) => o.volunteerId)).toEqual([second]);

    const accepted = await acceptOffer(db, {
      offerId: timedOut.offered[0]!.offer.offerId,
      volunteerId: second,
      now: at(OFFER_TIMEOUT_MS + 1000),
    });
    expect(accepted.ok).toBe(true);
  });

  it("closing the last on-call page as an offer is made keeps it standing for a device that takes offers; with none it is withdrawn", async () => {
    await reset();
    const pocket = await onCallVolunteer("Pocket Closer", "push");
    await touchOnCallPresence(db, { socketId: "pocket-page", personId: pocket, nodeId: "n1", now: t0 });
    await requestTalk(db, {
      requester: await guest("w3"),
      preferences: { experience: [] },
      now: t0,
      page: { socketId: "w3", nodeId: "n1" },
    });
    expect((await dispatchOffers(db, t0)).offered.map((o) => o.volunteerId)).toEqual([pocket]);
    // The page's close is handled after the offer was made (a busy node): the phone still has it.
    expect((await dropTalkPresence(db, { socketId: "pocket-page", now: at(1000) })).closed).toEqual([]);
    expect(await db.talkOffer.findMany({ where: { volunteerId: pocket }, select: { status: true } })).toEqual([
      { status: "PENDING" },
    ]);

    await reset();
    const pageOnly = await onCallVolunteer("Page Only", "page");
    await requestTalk(db, {
      requester: await guest("w4"),
      preferences: { experience: [] },
      now: t0,
      page: { socketId: "w4", nodeId: "n1" },
    });
    expect((await dispatchOffers(db, t0)).offered.map((o) => o.volunteerId)).toEqual([pageOnly]);
    const dropped = await dropTalkPresence(db, { socketId: `s-${pageOnly}`, now: at(1000) });
    expect(dropped.closed).toMatchObject([{ volunteerId: pageOnly, reason: "withdrawn" }]);
  });

  it("ad hoc on call ends by itself after four hours: no offers all night to a phone in a pocket", async () => {
    await reset();
    const byPush = await onCallVolunteer("Sleepy Vol", "push");
    expect(await talkAvailability(db, at(AD_HOC_ON_CALL_MS - 60_000))).toEqual({ onCall: 1, free: 1 });
    expect(await talkAvailability(db, at(AD_HOC_ON_CALL_MS + 1))).toEqual({ onCall: 0, free: 0 });
    const later = at(AD_HOC_ON_CALL_MS + 60_000);
    const asked = await requestTalk(db, {
      requester: await guest("w9"),
      preferences: { experience: [] },
      now: later,
      page: { socketId: "w9", nodeId: "n1" },
    });
    expect(asked.ok).toBe(true);
    const r = await dispatchOffers(db, later);
    expect(r.offered).toEqual([]);
    expect(r.offCall).toContain(byPush);
  });
});
