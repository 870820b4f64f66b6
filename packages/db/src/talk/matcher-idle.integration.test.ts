import { AD_HOC_ON_CALL_MS, PRESENCE_STALE_MS, WORKER_GRACE_MS } from "@offshift/core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb, poolOf, type Db } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { namedGuests } from "../testing/guests.js";
import { touchCallPresence } from "./call.js";
import { acceptOffer, dispatchOffers, matcherHasWork } from "./matching.js";
import { heartbeatTalkNode, startOnCall, touchOnCallPresence } from "./oncall.js";
import { requestTalk } from "./requests.js";

// Every realtime node runs the matcher every second. When nothing could move it is one plain statement
// (`matcherHasWork`), not a dozen through Prisma: those held up live rooms on every node, every second.

let handle: Db;
let db: TestPrisma;
let drop: () => Promise<void>;
const t0 = new Date("2026-11-24T23:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const ABANDON_MS = 2 * 60_000;
const { guest } = namedGuests(() => db);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talk_matcher_idle");
  drop = t.drop;
  handle = createDb(t.url);
  db = testPrisma(handle);
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});
// Each case starts from an empty line (and whatever hangs off its rows).
afterEach(async () => {
  await db.$executeRaw`TRUNCATE "TalkPresence", "TalkOffer", "TalkCall", "TalkRequest", "OnCall" CASCADE`;
});

/** Connections the pass took from the pool (every Prisma query and transaction takes one; the probe does not). */
async function poolUseDuring<T>(fn: () => Promise<T>): Promise<{ result: T; taken: number }> {
  const pool = poolOf(handle);
  let taken = 0;
  const count = () => void taken++;
  pool.on("acquire", count);
  try {
    return { result: await fn(), taken };
  } finally {
    pool.off("acquire", count);
  }
}

let people = 0;
async function volunteerOnCall(now: Date) {
  const name = `idle-vol${++people}`;
  const p = await db.person.create({
    data: {
      displayName: name,
      roles: ["VOLUNTEER"],
      status: "APPROVED",
      languages: ["en"],
      email: `${name}@x.example`,
    },
  });
  await startOnCall(handle, { personId: p.id, now });
  await touchOnCallPresence(handle, { socketId: `oncall-${name}`, personId: p.id, nodeId: "a", now });
  return p.id;
}

async function ask(name: string, now: Date) {
  const r = await requestTalk(handle, {
    requester: await guest(name),
    preferences: { experience: [] },
    now,
    page: { socketId: `page-${name}`, nodeId: "a" },
  });
  if (!r.ok) throw new Error(r.message);
  return r.requestId;
}

const nothing = { closed: [], offered: [], abandoned: [], offCall: [], left: [] };

describe("the matcher when nothing could move", () => {
  it("an empty line, and a volunteer on call with nobody asking: one statement, no pool connection, nothing done", async () => {
    expect(await matcherHasWork(handle, t0, ABANDON_MS)).toBe(false);
    expect(await poolUseDuring(() => dispatchOffers(handle, t0))).toEqual({ result: nothing, taken: 0 });

    await volunteerOnCall(t0);
    // Their page's node keeps its heartbeat; their ad hoc stint has not ended.
    const later = at(PRESENCE_STALE_MS * 3);
    await heartbeatTalkNode(handle, "a", later);
    expect(await matcherHasWork(handle, later, ABANDON_MS)).toBe(false);
    expect(await poolUseDuring(() => dispatchOffers(handle, later))).toEqual({ result: nothing, taken: 0 });
    expect(await db.onCall.count()).toBe(1);
    expect(await db.talkPresence.count()).toBe(1);
  });

  it("a worker asking is work: offered, and the pending offer keeps the pass running until it is answered", async () => {
    const vol = await volunteerOnCall(t0);
    await ask("asks", at(1000));
    expect(await matcherHasWork(handle, at(1500), ABANDON_MS)).toBe(true);
    const { result, taken } = await poolUseDuring(() => dispatchOffers(handle, at(1500)));
    expect(result.offered.map((o) => o.volunteerId)).toEqual([vol]);
    expect(taken).toBeGreaterThan(0);

    // Offered (the request is OFFERED, the offer PENDING): still work, for its timeout.
    expect(await matcherHasWork(handle, at(2000), ABANDON_MS)).toBe(true);
    const accepted = await acceptOffer(handle, {
      offerId: result.offered[0]!.offer.offerId,
      volunteerId: vol,
      now: at(3000),
    });
    expect(accepted.ok).toBe(true);
    if (!accepted.ok) return;

    // In the call, both sides' pages present: nothing for the matcher, however long the call.
    for (const side of ["volunteer", "worker"] as const)
      await touchCallPresence(handle, {
        socketId: `call-${side}`,
        callId: accepted.callId,
        side,
        nodeId: "a",
        now: at(3000),
      });
    const long = at(3000 + ABANDON_MS * 2);
    await heartbeatTalkNode(handle, "a", long);
    expect(await matcherHasWork(handle, long, ABANDON_MS)).toBe(false);

    // Both pages gone for longer than the presence's life: the call is abandoned, and the pass ends it.
    const gone = at(3000 + ABANDON_MS * 2 + PRESENCE_STALE_MS + 1000);
    expect(await matcherHasWork(handle, gone, ABANDON_MS)).toBe(true);
    expect((await dispatchOffers(handle, gone)).abandoned).toEqual([accepted.callId]);
  });

  it("a page whose node stopped beating, and a worker gone past the grace, are work: the pass clears them", async () => {
    await volunteerOnCall(t0);
    const stale = at(PRESENCE_STALE_MS + 1000);
    expect(await matcherHasWork(handle, stale, ABANDON_MS)).toBe(true);
    await dispatchOffers(handle, stale);
    expect(await db.talkPresence.count()).toBe(0);
    expect(await matcherHasWork(handle, stale, ABANDON_MS)).toBe(false);

    // A waiting page is kept for the grace (a quick reconnect keeps the worker's place), then it is work.
    await db.talkPresence.create({
      data: {
        socketId: "waiting-old",
        kind: "waiting",
        nodeId: "gone-node",
        heartbeatAt: t0,
        requesterGuestId: (await guest("left")).id,
      },
    });
    expect(await matcherHasWork(handle, at(WORKER_GRACE_MS - 1000), ABANDON_MS)).toBe(false);
    expect(await matcherHasWork(handle, at(WORKER_GRACE_MS + 1000), ABANDON_MS)).toBe(true);
    await dispatchOffers(handle, at(WORKER_GRACE_MS + 1000));
    expect(await db.talkPresence.count()).toBe(0);
  });

  it("an on-call stint that ended is work: the pass takes the volunteer off call", async () => {
    const vol = await volunteerOnCall(t0);
    const end = at(AD_HOC_ON_CALL_MS + 1000);
    await heartbeatTalkNode(handle, "a", end);
    expect(await matcherHasWork(handle, end, ABANDON_MS)).toBe(true);
    expect((await dispatchOffers(handle, end)).offCall).toEqual([vol]);
    expect(await matcherHasWork(handle, end, ABANDON_MS)).toBe(false);
  });
});
