import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WORKER_GRACE_MS, type Actor, type TalkAck, type TalkOfferView, type TalkReply } from "@offshift/core";
import { closeDb, createDb } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { createRealtimeServer, type RealtimeServer } from "./server.js";
import { TICKET_SECRET, client, silentLogger, waitFor, type Client } from "./test-helpers.js";

// Issue 13 item 4, as a worker and a volunteer meet it: guests who ask and close the tab are never
// offered to a volunteer, are not counted ahead of a real worker, and are closed after the grace;
// a phone that reconnects inside the grace keeps its place. Two realtime nodes, one test clock.
let db: TestPrisma;
let drop: () => Promise<void>;
let clock = Date.parse("2026-11-24T23:00:00Z");
const nodes: RealtimeServer[] = [];
const urls: string[] = [];
const sockets: Client[] = [];
let volunteer: Actor;
const guests: Actor[] = [];

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talk_left");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
  const p = await db.person.create({
    data: { displayName: "Maria Santos", roles: ["VOLUNTEER"], status: "APPROVED", languages: ["en"] },
  });
  volunteer = { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" };
  for (let i = 0; i < 32; i++) {
    const g = await db.guest.create({
      data: { nickname: `Guest ${i}`, tokenHash: `hash-left-${i}`, agreementAcceptedAt: new Date(clock) },
    });
    guests.push({ kind: "guest", guestId: g.id });
  }
  for (const nodeId of ["left-a", "left-b"]) {
    const server = createRealtimeServer({
      databaseUrl: t.url,
      nodeId,
      corsOrigins: "*",
      ticketSecret: TICKET_SECRET,
      logger: silentLogger,
      now: () => new Date(clock),
      talk: { dispatchEveryMs: 100, heartbeatEveryMs: 1000 },
    });
    nodes.push(server);
    urls.push(`http://127.0.0.1:${await server.listen(0, "127.0.0.1")}`);
  }
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await Promise.all(nodes.map((n) => n.close()));
  await closeDb(db);
  await drop();
});

async function connected(node: number, actor: Actor): Promise<Client> {
  const s = client(urls[node]!, actor);
  sockets.push(s);
  await waitFor(s, "welcome");
  return s;
}
function send(s: Client, event: string, payload: unknown = {}): Promise<TalkAck<TalkReply>> {
  return new Promise((resolve) =>
    (s.emit as (e: string, p: unknown, ack: (r: TalkAck<TalkReply>) => void) => void)(event, payload, resolve),
  );
}
const position = async (s: Client) => {
  const r = await send(s, "talk:sync");
  const status = r.ok ? r.data?.status : undefined;
  return status?.state === "waiting" ? status.position : status?.state;
};
const statuses = async () =>
  Object.fromEntries((await db.talkRequest.groupBy({ by: ["status"], _count: true })).map((g) => [g.status, g._count]));

describe("talk requests from workers who left", () => {
  it("guests who ask and close the tab: a real worker is first, the volunteer is offered only them", async () => {
    // 30 guests ask and close their tabs within a second, on both nodes (the scenario).
    const leavers = await Promise.all(guests.slice(0, 30).map((g, i) => connected(i % 2, g)));
    const asked = await Promise.all(leavers.map((s) => send(s, "talk:request", {})));
    expect(asked.every((a) => a.ok)).toBe(true);
    leavers.forEach((s) => s.disconnect());
    await expect.poll(() => db.talkPresence.count({ where: { kind: "waiting" } })).toBe(0);

    // A real worker asks on node b: they are first, not 31st.
    const real = await connected(1, guests[30]!);
    expect(await send(real, "talk:request", {})).toMatchObject({
      ok: true,
      data: { status: { state: "waiting", position: 1 } },
    });

    // A volunteer comes on call on node a: every offer they see is the real worker's.
    const maria = await connected(0, volunteer);
    const offers: TalkOfferView[] = [];
    maria.on("talk:offer", (o) => offers.push(o));
    expect(await send(maria, "oncall:start")).toMatchObject({ ok: true, data: { onCall: { waiting: 1 } } });
    await expect.poll(() => offers.length).toBe(1);
    const accepted = await send(maria, "talk:accept", { offerId: offers[0]!.offerId });
    expect(accepted).toMatchObject({ ok: true });
    const call = await db.talkCall.findFirstOrThrow({ where: { status: "ACTIVE" } });
    expect(call.workerGuestId).toBe((guests[30] as { guestId: string }).guestId);

    // After the grace the 30 are closed (not "waiting for ever"), and counted as having left.
    clock += WORKER_GRACE_MS + 1000;
    await expect.poll(statuses).toEqual({ LEFT: 30, MATCHED: 1 });
    expect(await send(maria, "call:join", { callId: call.id })).toMatchObject({ ok: true });
    expect(await send(maria, "call:end")).toMatchObject({ ok: true });
    real.disconnect();
  });

  it("an offer to a worker whose page closes vanishes from the volunteer's page with the reason", async () => {
    const maria = await connected(0, volunteer);
    expect(await send(maria, "oncall:sync")).toMatchObject({ ok: true, data: { onCall: { onCall: true } } });
    const offered = waitFor<TalkOfferView>(maria, "talk:offer");
    const leaver = await connected(1, guests[31]!);
    expect(await send(leaver, "talk:request", {})).toMatchObject({ ok: true });
    const offer = await offered;
    const closed = waitFor<{ offerId: string; reason: string }>(maria, "talk:offer-closed");
    leaver.disconnect();
    expect(await closed).toEqual({ offerId: offer.offerId, reason: "left" });
    expect(await send(maria, "talk:accept", { offerId: offer.offerId })).toMatchObject({
      ok: false,
      error: { code: "withdrawn" },
    });
    expect(await db.talkCall.count({ where: { status: "ACTIVE" } })).toBe(0);
    expect(await send(maria, "oncall:stop")).toMatchObject({ ok: true });
  });

  it("a phone that reconnects inside the grace, on the other node, keeps its place", async () => {
    await db.talkRequest.deleteMany({ where: { status: { in: ["WAITING", "OFFERED"] } } });
    const first = await connected(0, guests[0]!);
    const second = await connected(1, guests[1]!);
    expect(await send(first, "talk:request", {})).toMatchObject({ ok: true });
    clock += 1000;
    expect(await send(second, "talk:request", {})).toMatchObject({ ok: true });
    expect(await position(second)).toBe(2);

    first.disconnect();
    // Away: the one behind moves up meanwhile.
    await expect.poll(() => position(second)).toBe(1);
    clock += WORKER_GRACE_MS - 10_000;
    const back = await connected(1, guests[0]!);
    expect(await position(back)).toBe(1);
    expect(await position(second)).toBe(2);
    // Well past the grace of the first disconnection: still waiting, in the same order.
    clock += 30_000;
    await expect.poll(() => position(second)).toBe(2);
    expect(await statuses()).toMatchObject({ WAITING: 2 });
  });
});
