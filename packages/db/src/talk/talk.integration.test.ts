import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { namedGuests } from "../testing/guests.js";
import { recordCallOutcome, endCall } from "./call.js";
import { acceptOffer, dispatchOffers } from "./matching.js";
import { heartbeatTalkNode, startOnCall, touchOnCallPresence } from "./oncall.js";
import { cancelTalk, requestTalk } from "./requests.js";
import { talkAggregates } from "./aggregates.js";

let db: TestPrisma;
let other: TestPrisma;
let drop: () => Promise<void>;
const now = new Date("2026-11-24T23:00:00Z");
const { guest, nameOf } = namedGuests(() => db);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talk");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
  other = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await closeDb(other);
  await drop();
});

async function volunteerOnCall(name: string, languages = ["en"]) {
  const p = await db.person.create({
    data: { displayName: name, roles: ["VOLUNTEER"], status: "APPROVED", languages, email: `${name}@x.example` },
  });
  await startOnCall(db, { personId: p.id, now });
  await touchOnCallPresence(db, { socketId: `s-${p.id}`, personId: p.id, nodeId: "n1", now });
  return p.id;
}
/** The worker's page that asked, on node n1. */
const page = (socketId: string) => ({ socketId, nodeId: "n1" });
const reset = async () => {
  await db.talkCall.deleteMany();
  await db.talkRequest.deleteMany();
  await db.talkPresence.deleteMany();
  await db.onCall.deleteMany();
};

describe("the 1:1 queue in PostgreSQL", () => {
  it("two requests from one worker at once: one is queued, the other refused", async () => {
    const results = await Promise.all([
      requestTalk(db, { requester: await guest("a"), preferences: { experience: [] }, now, page: page("a1") }),
      requestTalk(other, { requester: await guest("a"), preferences: { experience: [] }, now, page: page("a2") }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: "already_waiting" });
    expect(await db.talkRequest.count()).toBe(1);
    await reset();
  });

  it("two matchers at once (two connections): every volunteer and request in at most one pending offer", async () => {
    const vols = await Promise.all(["v1", "v2", "v3", "v4", "v5"].map((n) => volunteerOnCall(n)));
    for (let i = 0; i < 20; i++)
      await requestTalk(db, {
        requester: await guest(`${i}`),
        preferences: { experience: [] },
        now: new Date(now.getTime() + i),
        page: page(`g${i}`),
      });
    const later = new Date(now.getTime() + 1000);
    await Promise.all([dispatchOffers(db, later), dispatchOffers(other, later), dispatchOffers(db, later)]);
    const pending = await db.talkOffer.findMany({ where: { status: "PENDING" } });
    expect(pending).toHaveLength(5);
    expect(new Set(pending.map((o) => o.volunteerId))).toEqual(new Set(vols));
    expect(new Set(pending.map((o) => o.requestId)).size).toBe(5);
    // The oldest five were offered first.
    const offered = await db.talkRequest.findMany({ where: { status: "OFFERED" }, select: { requesterGuestId: true } });
    expect(offered.map((r) => nameOf({ kind: "guest", id: r.requesterGuestId! })).sort()).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
    ]);

    // Accept and cancel racing on the same offer: exactly one wins, and the state is consistent.
    const offer = pending[0]!;
    const req = await db.talkRequest.findUniqueOrThrow({ where: { id: offer.requestId } });
    const [accepted, cancelled] = await Promise.all([
      acceptOffer(db, { offerId: offer.id, volunteerId: offer.volunteerId, now: later }),
      cancelTalk(other, { requestId: req.id, requester: { kind: "guest", id: req.requesterGuestId! }, now: later }),
    ]);
    expect([accepted.ok, cancelled.ok].filter(Boolean)).toHaveLength(1);
    const after = await db.talkRequest.findUniqueOrThrow({ where: { id: req.id }, include: { call: true } });
    expect(after.status).toBe(accepted.ok ? "MATCHED" : "CANCELLED");
    expect(!!after.call).toBe(accepted.ok);

    // A double accept of another offer (two tabs): one call.
    const second = pending[1]!;
    const twice = await Promise.all([
      acceptOffer(db, { offerId: second.id, volunteerId: second.volunteerId, now: later }),
      acceptOffer(other, { offerId: second.id, volunteerId: second.volunteerId, now: later }),
    ]);
    expect(twice.filter((r) => r.ok)).toHaveLength(1);
    expect(await db.talkCall.count({ where: { requestId: second.requestId } })).toBe(1);
    await reset();
  });

  it("a volunteer on call who asks in another tab is never matched with themselves", async () => {
    const v = await volunteerOnCall("ines");
    const asked = await requestTalk(db, {
      requester: { kind: "person", id: v },
      preferences: { experience: [] },
      now,
      page: page("ines-asks"),
    });
    if (!asked.ok) throw new Error("request refused");
    const later = new Date(now.getTime() + 1000);
    expect((await dispatchOffers(db, later)).offered).toEqual([]);
    // Even long after preferences relax, with nobody else on call (both pages still open: node n1 beats).
    const tenMinutesOn = new Date(now.getTime() + 10 * 60_000);
    await heartbeatTalkNode(db, "n1", tenMinutesOn);
    expect((await dispatchOffers(db, tenMinutesOn)).offered).toEqual([]);
    // An offer to themselves made any other way cannot be accepted either.
    const forged = await db.talkOffer.create({
      data: {
        requestId: asked.requestId,
        volunteerId: v,
        createdAt: later,
        expiresAt: new Date(later.getTime() + 30_000),
      },
    });
    await db.talkRequest.update({ where: { id: asked.requestId }, data: { status: "OFFERED" } });
    expect(await acceptOffer(db, { offerId: forged.id, volunteerId: v, now: later })).toMatchObject({
      ok: false,
      code: "not_yours",
      message: "That is your own request: someone else will take it.",
    });
    expect(await db.talkCall.count()).toBe(0);
    await db.talkOffer.delete({ where: { id: forged.id } });
    await db.talkRequest.update({ where: { id: asked.requestId }, data: { status: "WAITING" } });
    // Someone else on call takes it.
    const sam = await volunteerOnCall("sam");
    const round = await dispatchOffers(db, later);
    expect(round.offered.map((o) => o.volunteerId)).toEqual([sam]);
    await reset();
  });

  it("after the call: an outcome category once, a safeguarding flag (audited), a debrief mail to coordinators", async () => {
    await db.person.create({
      data: { displayName: "Priya Shah", roles: ["COORDINATOR"], status: "APPROVED", email: "priya@x.example" },
    });
    const v = await volunteerOnCall("maria", ["en", "pt"]);
    await requestTalk(db, {
      requester: await guest("owl"),
      preferences: { language: "pt", experience: [] },
      now,
      page: page("owl"),
    });
    const r = await dispatchOffers(db, now);
    const offer = r.offered[0]!;
    const accepted = await acceptOffer(db, { offerId: offer.offer.offerId, volunteerId: v, now });
    if (!accepted.ok) throw new Error("accept refused");
    const after = { outcome: "listened-and-supported" as const, safeguarding: "risk-to-self" as const, debrief: true };
    const volunteer = { kind: "person", personId: v, roles: ["VOLUNTEER"], status: "APPROVED" } as const;
    const input = { callId: accepted.callId, actor: volunteer, after, now, origin: "http://localhost:3000" };
    expect(await recordCallOutcome(db, input)).toMatchObject({ ok: false, code: "invalid" });
    expect(await endCall(db, { callId: accepted.callId, side: "volunteer", now })).toMatchObject({ ok: true });
    expect(
      await recordCallOutcome(db, {
        ...input,
        actor: { ...volunteer, personId: "00000000-0000-4000-8000-000000000000" },
      }),
    ).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(await recordCallOutcome(db, input)).toEqual({ ok: true, flagged: true, debriefQueued: 1 });
    expect(await recordCallOutcome(db, input)).toMatchObject({ ok: false });
    expect(await db.safeguardingFlag.findMany()).toMatchObject([{ callId: accepted.callId, category: "risk-to-self" }]);
    expect(await db.auditEvent.count({ where: { action: "safeguarding.flag" } })).toBe(1);
    const mail = await db.outboxMail.findMany();
    expect(mail).toMatchObject([{ to: "priya@x.example" }]);
    expect(mail[0]!.text).not.toContain("owl");

    const agg = await talkAggregates(db, {
      from: new Date(now.getTime() - 86_400_000),
      to: new Date(now.getTime() + 86_400_000),
      timeZone: "Europe/London",
    });
    expect(agg).toMatchObject({ requests: 1, answered: 1, medianWaitMinutes: 0 });
  });
});
