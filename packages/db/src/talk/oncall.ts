import { AD_HOC_ON_CALL_MS, canConfirmSlot, type OnCallStatus, type TalkOfferView } from "@offshift/core";
import { client, type Db } from "../client.js";
import { refuse, type TalkResult } from "./requests.js";
import { withdrawOffersForWorker, withdrawOffersOf, type ClosedOffer } from "./matching.js";
import { volunteerReachable, workerHere } from "./presence.js";
import { Prisma } from "../generated/prisma/client.js";
import { asRequester, identitySql, requesterIs, requesterOf, sameRequester } from "./identity.js";

/** Talk-line rota slots this volunteer is on that can be confirmed now (from 10 minutes before to the end). */
export async function talkLineSlotsNow(
  handle: Db,
  input: { personId: string; now: Date },
): Promise<{ slotId: string; name: string; startsAt: Date; endsAt: Date }[]> {
  const db = client(handle);
  const rows = await db.rotaAssignment.findMany({
    where: {
      personId: input.personId,
      slot: {
        template: { kind: "TALK_LINE" },
        endsAt: { gt: input.now },
        startsAt: { lte: new Date(input.now.getTime() + 10 * 60_000) },
      },
    },
    select: { slot: { select: { id: true, startsAt: true, endsAt: true, template: { select: { name: true } } } } },
    orderBy: { slot: { startsAt: "asc" } },
  });
  return rows.map((r) => ({
    slotId: r.slot.id,
    name: r.slot.template.name,
    startsAt: r.slot.startsAt,
    endsAt: r.slot.endsAt,
  }));
}

/**
 * Goes on call: for a talk-line slot the volunteer is on (until its end), or
 * ad hoc (for AD_HOC_ON_CALL_MS, or until they stop). The caller has checked `oncall.start`.
 */
export async function startOnCall(
  handle: Db,
  input: { personId: string; slotId?: string | undefined; now: Date },
): Promise<TalkResult<{ until: Date | null }>> {
  const db = client(handle);
  let until: Date | null = null;
  if (input.slotId) {
    const assignment = await db.rotaAssignment.findUnique({
      where: { slotId_personId: { slotId: input.slotId, personId: input.personId } },
      select: { slot: { select: { startsAt: true, endsAt: true, template: { select: { kind: true } } } } },
    });
    if (!assignment || assignment.slot.template.kind !== "TALK_LINE")
      return refuse("not_found", "You're not on that talk-line slot.");
    const slot = { startsAt: assignment.slot.startsAt.getTime(), endsAt: assignment.slot.endsAt.getTime() };
    if (!canConfirmSlot(slot, input.now.getTime()))
      return refuse("invalid", "That slot can be confirmed from 10 minutes before it starts until it ends.");
    until = assignment.slot.endsAt;
  } else until = new Date(input.now.getTime() + AD_HOC_ON_CALL_MS);
  await db.onCall.upsert({
    where: { personId: input.personId },
    create: { personId: input.personId, slotId: input.slotId ?? null, since: input.now, until },
    update: { slotId: input.slotId ?? null, since: input.now, until },
  });
  return { ok: true, until };
}

/** Off call: no more offers; one pending now is withdrawn and goes to someone else. */
export async function stopOnCall(handle: Db, input: { personId: string; now: Date }): Promise<ClosedOffer[]> {
  const db = client(handle);
  await db.onCall.deleteMany({ where: { personId: input.personId } });
  return withdrawOffersOf(db, input.personId, input.now);
}

/** This socket is an open on-call page of `personId` (on join, and refreshed by the node heartbeat). */
export async function touchOnCallPresence(
  handle: Db,
  input: { socketId: string; personId: string; nodeId: string; now: Date },
): Promise<void> {
  const db = client(handle);
  await db.talkPresence.upsert({
    where: { socketId_kind: { socketId: input.socketId, kind: "oncall" } },
    create: {
      socketId: input.socketId,
      kind: "oncall",
      personId: input.personId,
      nodeId: input.nodeId,
      heartbeatAt: input.now,
    },
    update: { heartbeatAt: input.now, nodeId: input.nodeId },
  });
}

/**
 * A socket went away. If it was the volunteer's last open on-call page, a
 * pending offer is withdrawn at once (so the worker is not left waiting
 * for the timeout). If it was a worker's last waiting page, their pending
 * offer is withdrawn likewise (no volunteer lands in an empty call) and
 * the grace starts: their request keeps its place until WORKER_GRACE_MS
 * after now. Returns what closed.
 */
export async function dropTalkPresence(
  handle: Db,
  input: { socketId: string; now: Date },
): Promise<{ closed: ClosedOffer[]; callIds: string[] }> {
  const db = client(handle);
  const rows = await db.talkPresence.findMany({ where: { socketId: input.socketId } });
  const waiting = rows.flatMap((r) => (r.kind === "waiting" ? (requesterOf(r) ?? []) : []));
  // The grace is stamped before the row goes, so a matcher running in between never sees the worker long gone.
  if (waiting.length > 0)
    await db.talkRequest.updateMany({
      where: { OR: waiting.map(asRequester), status: { in: ["WAITING", "OFFERED"] } },
      data: { workerSeenAt: input.now },
    });
  await db.talkPresence.deleteMany({ where: { socketId: input.socketId } });
  const closed: ClosedOffer[] = [];
  for (const worker of waiting) {
    const [here] = await db.$queryRaw<
      { here: boolean }[]
    >`SELECT ${workerHere(requesterIs("wp", identitySql(worker)), input.now)} AS "here"`;
    if (!here?.here) closed.push(...(await withdrawOffersForWorker(db, worker, input.now)));
  }
  for (const row of rows) {
    if (row.kind !== "oncall" || !row.personId) continue;
    // Their last on-call page closed: an offer stands while another page is open or a device takes offers
    // by push (that is being on call with no page open; the page may close just as the offer is made).
    const [reach] = await db.$queryRaw<{ reachable: boolean }[]>`
      SELECT ${volunteerReachable(Prisma.sql`${row.personId}::uuid`, input.now)} AS "reachable"`;
    if (!reach?.reachable) closed.push(...(await withdrawOffersOf(db, row.personId, input.now)));
  }
  return { closed, callIds: rows.filter((r) => r.kind === "call" && r.callId).map((r) => r.callId!) };
}

/** Every talk presence row of this node is alive (one query per heartbeat). */
export async function heartbeatTalkNode(handle: Db, nodeId: string, now: Date): Promise<void> {
  const db = client(handle);
  await db.talkPresence.updateMany({ where: { nodeId }, data: { heartbeatAt: now } });
}

function offerView(
  o: {
    id: string;
    expiresAt: Date;
    request: { language: string | null; experience: string[]; priority: number; createdAt: Date };
  },
  now: Date,
): TalkOfferView {
  return {
    offerId: o.id,
    expiresAt: o.expiresAt.toISOString(),
    language: o.request.language,
    experience: o.request.experience,
    priority: o.request.priority > 0,
    waitedMinutes: Math.max(0, Math.floor((now.getTime() - o.request.createdAt.getTime()) / 60_000)),
  };
}

export async function loadOfferView(handle: Db, offerId: string, now: Date): Promise<TalkOfferView | null> {
  const db = client(handle);
  const o = await db.talkOffer.findUnique({
    where: { id: offerId },
    select: {
      id: true,
      expiresAt: true,
      request: { select: { language: true, experience: true, priority: true, createdAt: true } },
    },
  });
  return o ? offerView(o, now) : null;
}

/** What an on-call volunteer's page shows: on call until when, a pending offer, their call, how many wait. */
export async function onCallStatus(handle: Db, input: { personId: string; now: Date }): Promise<OnCallStatus> {
  const db = client(handle);
  const [row, offer, call, waiting] = await Promise.all([
    db.onCall.findUnique({ where: { personId: input.personId } }),
    db.talkOffer.findFirst({
      where: { volunteerId: input.personId, status: "PENDING", expiresAt: { gt: input.now } },
      select: {
        id: true,
        expiresAt: true,
        request: { select: { language: true, experience: true, priority: true, createdAt: true } },
      },
    }),
    db.talkCall.findFirst({ where: { volunteerId: input.personId, status: "ACTIVE" }, select: { id: true } }),
    db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS "n" FROM "TalkRequest" r
      WHERE r."status" IN ('WAITING', 'OFFERED') AND ${workerHere(sameRequester("wp", "r"), input.now)}`,
  ]);
  const onCall = !!row && (!row.until || row.until > input.now);
  return {
    onCall,
    until: onCall && row?.until ? row.until.toISOString() : null,
    offer: offer ? offerView(offer, input.now) : null,
    callId: call?.id ?? null,
    waiting: Number(waiting[0]?.n ?? 0),
  };
}
