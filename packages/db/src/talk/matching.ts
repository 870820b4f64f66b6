import {
  OFFER_TIMEOUT_MS,
  PRESENCE_STALE_MS,
  WORKER_GRACE_MS,
  planOffers,
  type Identity,
  type RequestForMatching,
  type TalkOfferView,
  type VolunteerForMatching,
} from "@offshift/core";
import { type Client, client, type Db, hotPathOf, type Tx, type TxClient } from "../client.js";
import { Prisma } from "../generated/prisma/client.js";
import { isUniqueViolation, refuse, type TalkResult } from "./requests.js";
import { volunteerReachable, workerHere } from "./presence.js";
import { asWorker, identitySql, requesterIs, requesterOf, sameRequester } from "./identity.js";

/** An offer that stopped standing, for notifying its volunteer and requester. */
export interface ClosedOffer {
  offerId: string;
  volunteerId: string;
  /** Who asked; null once they were erased (nobody to tell). */
  requester: Identity | null;
  /** "left": the worker's waiting page closed or lost its connection. */
  reason: "expired" | "withdrawn" | "declined" | "left";
}

export interface MadeOffer {
  volunteerId: string;
  requester: Identity;
  offer: TalkOfferView;
}

/** Requests looked at per matching round (the queue is worked in order, in rounds). */
const ROUND = 50;

/**
 * Hands back the requests of offers that stopped standing: the offer is
 * marked (EXPIRED, WITHDRAWN or DECLINED) and its request, if still
 * OFFERED, goes back to WAITING. Offer row first, then request row: the
 * same order as accepting, so they serialise rather than deadlock.
 */
async function closeOffers(
  tx: TxClient,
  where: Prisma.Sql,
  reason: Exclude<ClosedOffer["reason"], "expired">,
  now: Date,
): Promise<ClosedOffer[]> {
  const status = reason === "declined" ? "DECLINED" : "WITHDRAWN";
  const rows = await tx.$queryRaw<{ id: string; volunteerId: string; requestId: string; expired: boolean }[]>`
    UPDATE "TalkOffer" o
    SET "status" = (CASE WHEN o."expiresAt" <= ${now} THEN 'EXPIRED' ELSE ${status} END)::"TalkOfferStatus",
        "decidedAt" = ${now}
    WHERE o."status" = 'PENDING' AND (${where})
    RETURNING o."id", o."volunteerId", o."requestId", (o."expiresAt" <= ${now}) AS "expired"`;
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.requestId);
  await tx.$executeRaw`
    UPDATE "TalkRequest" SET "status" = 'WAITING' WHERE "id" = ANY(${ids}::uuid[]) AND "status" = 'OFFERED'`;
  const requesters = new Map(
    (
      await tx.talkRequest.findMany({
        where: { id: { in: ids } },
        select: { id: true, requesterPersonId: true, requesterGuestId: true },
      })
    ).map((r) => [r.id, requesterOf(r)]),
  );
  return rows.map((r) => ({
    offerId: r.id,
    volunteerId: r.volunteerId,
    requester: requesters.get(r.requestId) ?? null,
    reason: r.expired ? "expired" : reason,
  }));
}

/** Withdraws a volunteer's pending offer (they went off call or closed their last on-call page). */
export async function withdrawOffersOf(handle: Db, personId: string, now: Date): Promise<ClosedOffer[]> {
  const db = client(handle);
  return db.$transaction((tx) => withdrawOffersOfIn(tx, personId, now));
}

/** The same inside the caller's transaction (a volunteer's account being erased). */
export function withdrawOffersOfIn(txHandle: Tx, personId: string, now: Date): Promise<ClosedOffer[]> {
  const tx = client(txHandle);
  return closeOffers(tx, Prisma.sql`o."volunteerId" = ${personId}::uuid`, "withdrawn", now);
}

/** Withdraws the pending offer of a worker's request: their last waiting page went away (it may come back). */
export async function withdrawOffersForWorker(handle: Db, requester: Identity, now: Date): Promise<ClosedOffer[]> {
  const db = client(handle);
  return db.$transaction((tx) =>
    closeOffers(
      tx,
      Prisma.sql`o."requestId" IN (SELECT r."id" FROM "TalkRequest" r
                                   WHERE ${requesterIs("r", identitySql(requester))} AND r."status" = 'OFFERED')`,
      "left",
      now,
    ),
  );
}

export interface DispatchResult {
  closed: ClosedOffer[];
  offered: MadeOffer[];
  /** Calls ended because nobody was in them any more. */
  abandoned: string[];
  /** Volunteers whose rota slot ended (they are off call now). */
  offCall: string[];
  /** Requests closed because their worker's pages were gone for longer than WORKER_GRACE_MS: who asked. */
  left: Identity[];
}

/**
 * Whether a pass of the matcher at `now` could change anything: a presence row
 * past its time, an on-call stint that ended, a pending offer, an open
 * request, or a call nobody has been in for long enough. Each step of the pass only
 * touches such rows, so when there are none the pass is skipped. One plain
 * statement on the hot path's connections: every realtime node runs the
 * matcher every second, and most seconds nobody is asking, so the pass's
 * dozen statements and transactions through Prisma (10-20 ms of the node's
 * event loop, measured) were spent on nothing and held up live rooms.
 */
export async function matcherHasWork(handle: Db, now: Date, abandonAfterMs: number): Promise<boolean> {
  const stale = new Date(now.getTime() - PRESENCE_STALE_MS);
  const graceCut = new Date(now.getTime() - WORKER_GRACE_MS);
  const abandonCut = new Date(now.getTime() - abandonAfterMs);
  const { rows } = await hotPathOf(handle).query<{ work: boolean }>({
    name: "talk-matcher-has-work",
    text: `SELECT (
      EXISTS (SELECT 1 FROM "TalkPresence"
              WHERE ("kind" <> 'waiting' AND "heartbeatAt" <= $1) OR ("kind" = 'waiting' AND "heartbeatAt" <= $2))
      OR EXISTS (SELECT 1 FROM "OnCall" WHERE "until" IS NOT NULL AND "until" <= $3)
      OR EXISTS (SELECT 1 FROM "TalkOffer" WHERE "status" = 'PENDING')
      OR EXISTS (SELECT 1 FROM "TalkRequest" WHERE "status" IN ('WAITING', 'OFFERED'))
      OR EXISTS (SELECT 1 FROM "TalkCall" c
                 WHERE c."status" = 'ACTIVE' AND c."startedAt" <= $4
                   AND NOT EXISTS (SELECT 1 FROM "TalkPresence" p
                                   WHERE p."callId" = c."id" AND p."kind" = 'call' AND p."heartbeatAt" > $1))
    ) AS "work"`,
    values: [stale, graceCut, now, abandonCut],
  });
  return rows[0]?.work === true;
}

/**
 * One pass of the matcher, safe to run on every realtime node at once
 * (skipped when `matcherHasWork` finds nothing for it):
 * 0. a request whose worker has no waiting page now has its offer withdrawn
 *    (the volunteer is told), and is closed as LEFT once the worker has been
 *    gone for WORKER_GRACE_MS (a quick reconnect keeps its place);
 * 1. offers past their time, to volunteers no longer reachable, or for
 *    requests no longer OFFERED stop standing, and their requests wait again;
 * 2. waiting requests are claimed in queue order with FOR UPDATE SKIP LOCKED,
 *    free reachable on-call volunteers likewise, core's planOffers pairs them,
 *    and each pair becomes a PENDING offer with an expiry. Another node
 *    running at the same moment skips the rows this one holds, and the
 *    partial unique indexes (one pending offer per request and per
 *    volunteer) are the backstop.
 */
export async function dispatchOffers(
  handle: Db,
  now: Date,
  options: { abandonAfterMs?: number } = {},
): Promise<DispatchResult> {
  const db = client(handle);
  const stale = new Date(now.getTime() - PRESENCE_STALE_MS);
  const graceCut = new Date(now.getTime() - WORKER_GRACE_MS);
  const result: DispatchResult = { closed: [], offered: [], abandoned: [], offCall: [], left: [] };
  const abandonAfterMs = options.abandonAfterMs ?? 2 * 60_000;
  if (!(await matcherHasWork(handle, now, abandonAfterMs))) return result;

  // A waiting page's row outlives its node by the grace, so a node that dies does not cut a worker's grace short.
  await db.talkPresence.deleteMany({
    where: {
      OR: [
        { kind: { not: "waiting" }, heartbeatAt: { lte: stale } },
        { kind: "waiting", heartbeatAt: { lte: graceCut } },
      ],
    },
  });
  result.offCall = (
    await db.$queryRaw<{ personId: string }[]>`
      DELETE FROM "OnCall" WHERE "until" IS NOT NULL AND "until" <= ${now} RETURNING "personId"`
  ).map((r) => r.personId);

  // Offer rows before request rows, as everywhere (accepting, cancelling), so these serialise rather than deadlock.
  const gone = await db.$transaction(async (tx) => {
    const closed = await closeOffers(
      tx,
      Prisma.sql`EXISTS (SELECT 1 FROM "TalkRequest" r
                         WHERE r."id" = o."requestId" AND NOT ${workerHere(sameRequester("wp", "r"), now)})`,
      "left",
      now,
    );
    const left = await tx.$queryRaw<{ requesterPersonId: string | null; requesterGuestId: string | null }[]>`
      UPDATE "TalkRequest" r SET "status" = 'LEFT', "closedAt" = ${now}
      WHERE r."status" IN ('WAITING', 'OFFERED')
        AND COALESCE(r."workerSeenAt", r."createdAt") <= ${graceCut}
        AND NOT EXISTS (SELECT 1 FROM "TalkPresence" wp
                        WHERE wp."kind" = 'waiting' AND ${sameRequester("wp", "r")}
                          AND wp."heartbeatAt" > ${graceCut})
      RETURNING r."requesterPersonId", r."requesterGuestId"`;
    return { closed, left: left.flatMap((r) => requesterOf(r) ?? []) };
  });
  result.left = gone.left;

  result.closed = await db.$transaction((tx) =>
    closeOffers(
      tx,
      Prisma.sql`o."expiresAt" <= ${now}
        OR NOT ${volunteerReachable(Prisma.sql`o."volunteerId"`, now)}
        OR NOT EXISTS (SELECT 1 FROM "OnCall" c WHERE c."personId" = o."volunteerId")
        OR EXISTS (SELECT 1 FROM "TalkRequest" r WHERE r."id" = o."requestId" AND r."status" <> 'OFFERED')`,
      "withdrawn",
      now,
    ),
  );
  result.closed.unshift(...gone.closed);

  result.abandoned = await endAbandonedCalls(db, now, abandonAfterMs);

  for (let round = 0; round < 20; round++) {
    const made = await db.$transaction(async (tx) => {
      const requests = await tx.$queryRaw<
        {
          id: string;
          requesterPersonId: string | null;
          requesterGuestId: string | null;
          language: string | null;
          experience: string[];
          priority: number;
          createdAt: Date;
        }[]
      >`
        SELECT "id", "requesterPersonId", "requesterGuestId", "language", "experience", "priority", "createdAt"
        FROM "TalkRequest" tr
        WHERE "status" = 'WAITING' AND ${workerHere(sameRequester("wp", "tr"), now)}
        ORDER BY "priority" DESC, "createdAt" ASC
        LIMIT ${ROUND}
        FOR UPDATE SKIP LOCKED`;
      if (requests.length === 0) return null;
      const volunteers = await tx.$queryRaw<
        { id: string; languages: string[]; experience: string[]; lastCallEndedAt: Date | null }[]
      >`
        SELECT oc."personId" AS "id", p."languages", p."experience", oc."lastCallEndedAt"
        FROM "OnCall" oc JOIN "Person" p ON p."id" = oc."personId"
        WHERE (oc."until" IS NULL OR oc."until" > ${now})
          AND p."status" = 'APPROVED' AND p."erasedAt" IS NULL
          AND ${volunteerReachable(Prisma.sql`oc."personId"`, now)}
          AND NOT EXISTS (SELECT 1 FROM "TalkCall" c WHERE c."volunteerId" = oc."personId" AND c."status" = 'ACTIVE')
          AND NOT EXISTS (SELECT 1 FROM "TalkOffer" o WHERE o."volunteerId" = oc."personId" AND o."status" = 'PENDING')
        FOR UPDATE OF oc SKIP LOCKED`;
      if (volunteers.length === 0) return null;
      const history = await tx.talkOffer.findMany({
        where: { requestId: { in: requests.map((r) => r.id) } },
        select: { requestId: true, volunteerId: true, createdAt: true },
      });
      const forMatching: RequestForMatching[] = requests.map((r) => ({
        id: r.id,
        language: r.language,
        experience: r.experience,
        priority: r.priority,
        createdAt: r.createdAt.getTime(),
        offeredTo: history
          .filter((h) => h.requestId === r.id)
          .map((h) => ({ volunteerId: h.volunteerId, at: h.createdAt.getTime() })),
        requesterPersonId: r.requesterPersonId,
      }));
      const pool: VolunteerForMatching[] = volunteers.map((v) => ({
        id: v.id,
        languages: v.languages,
        experience: v.experience,
        lastCallEndedAt: v.lastCallEndedAt?.getTime() ?? null,
      }));
      const plan = planOffers(forMatching, pool, now.getTime());
      const expiresAt = new Date(now.getTime() + OFFER_TIMEOUT_MS);
      const offers: MadeOffer[] = [];
      for (const p of plan) {
        const r = requests.find((x) => x.id === p.requestId)!;
        const offer = await tx.talkOffer.create({
          data: { requestId: r.id, volunteerId: p.volunteerId, createdAt: now, expiresAt },
          select: { id: true },
        });
        await tx.talkRequest.update({ where: { id: r.id }, data: { status: "OFFERED" } });
        offers.push({
          volunteerId: p.volunteerId,
          // workerHere found their page, so the request names them.
          requester: requesterOf(r)!,
          offer: {
            offerId: offer.id,
            expiresAt: expiresAt.toISOString(),
            language: r.language,
            experience: r.experience,
            priority: r.priority > 0,
            waitedMinutes: Math.max(0, Math.floor((now.getTime() - r.createdAt.getTime()) / 60_000)),
          },
        });
      }
      // Only another round if this one used every volunteer it could see and more requests may be behind.
      return { offers, more: requests.length === ROUND && plan.length > 0 };
    });
    if (!made) break;
    result.offered.push(...made.offers);
    if (!made.more) break;
  }
  return result;
}

/**
 * The volunteer accepts. Settled by conditional updates in one transaction:
 * the offer PENDING -> ACCEPTED (theirs, in time), the request OFFERED ->
 * MATCHED, and the call inserted (one per request; one active per
 * volunteer and per worker by unique indexes). Whoever loses a race
 * updates no rows and gets a clear refusal; nothing changes.
 */
export async function acceptOffer(
  handle: Db,
  input: { offerId: string; volunteerId: string; now: Date },
): Promise<TalkResult<{ callId: string; requester: Identity }>> {
  const db = client(handle);
  const offer = await db.talkOffer.findUnique({
    where: { id: input.offerId },
    select: { volunteerId: true, status: true, expiresAt: true, requestId: true },
  });
  const problem = offerProblem(offer, input);
  if (problem) return problem;
  try {
    return await db.$transaction(async (tx) => {
      const won = await tx.talkOffer.updateMany({
        where: { id: input.offerId, volunteerId: input.volunteerId, status: "PENDING", expiresAt: { gt: input.now } },
        data: { status: "ACCEPTED", decidedAt: input.now },
      });
      if (won.count === 0) throw new Lost();
      // Never one's own request (a volunteer on call who asked in another tab): the matcher skips it, and so does this.
      const request = await tx.talkRequest.updateManyAndReturn({
        where: {
          id: offer!.requestId,
          status: "OFFERED",
          OR: [{ requesterPersonId: null }, { requesterPersonId: { not: input.volunteerId } }],
        },
        data: { status: "MATCHED", matchedAt: input.now, closedAt: input.now },
        select: { requesterPersonId: true, requesterGuestId: true },
      });
      const requester = request[0] && requesterOf(request[0]);
      // No row: taken, cancelled or their own; no requester: erased while this ran (the update rolls back).
      if (!requester) throw new Lost();
      const call = await tx.talkCall.create({
        data: {
          requestId: offer!.requestId,
          volunteerId: input.volunteerId,
          ...asWorker(requester),
          startedAt: input.now,
        },
        select: { id: true },
      });
      return { ok: true, callId: call.id, requester } as const;
    });
  } catch (err) {
    if (err instanceof Lost) {
      const own = await db.talkRequest.count({
        where: { id: offer!.requestId, requesterPersonId: input.volunteerId },
      });
      if (own > 0) return refuse("not_yours", "That is your own request: someone else will take it.");
      const again = await db.talkOffer.findUnique({
        where: { id: input.offerId },
        select: { volunteerId: true, status: true, expiresAt: true, requestId: true },
      });
      return offerProblem(again, input) ?? refuse("withdrawn", "That request is no longer waiting.");
    }
    if (isUniqueViolation(err)) return refuse("already_in_call", "You're already in a call. End it first.");
    throw err;
  }
}

class Lost extends Error {}

function offerProblem(
  offer: { volunteerId: string; status: string; expiresAt: Date } | null,
  input: { volunteerId: string; now: Date },
) {
  if (!offer) return refuse("not_found", "That offer could not be found.");
  if (offer.volunteerId !== input.volunteerId) return refuse("not_yours", "That offer was made to someone else.");
  if (offer.status === "EXPIRED" || (offer.status === "PENDING" && offer.expiresAt <= input.now))
    return refuse("expired", "That offer timed out and has gone to someone else.");
  if (offer.status === "ACCEPTED") return refuse("withdrawn", "You have already accepted that offer.");
  if (offer.status !== "PENDING")
    return refuse("withdrawn", "That request was withdrawn: the worker cancelled or it moved on.");
  return null;
}

/** The volunteer says no: the request waits again and goes to the next volunteer. */
export async function declineOffer(
  handle: Db,
  input: { offerId: string; volunteerId: string; now: Date },
): Promise<TalkResult<{ closed: ClosedOffer[] }>> {
  const db = client(handle);
  const offer = await db.talkOffer.findUnique({
    where: { id: input.offerId },
    select: { volunteerId: true, status: true, expiresAt: true },
  });
  const problem = offerProblem(offer, input);
  if (problem) return problem;
  const closed = await db.$transaction((tx) =>
    closeOffers(
      tx,
      Prisma.sql`o."id" = ${input.offerId}::uuid AND o."volunteerId" = ${input.volunteerId}::uuid`,
      "declined",
      input.now,
    ),
  );
  if (closed.length === 0) return refuse("withdrawn", "That request is no longer waiting.");
  return { ok: true, closed };
}

/**
 * Calls nobody has been in for `afterMs` (both pages closed, phones gone)
 * are ended, so a volunteer is never stuck "in a call" that is over.
 */
async function endAbandonedCalls(db: Client, now: Date, afterMs: number): Promise<string[]> {
  const cutoff = new Date(now.getTime() - afterMs);
  const stale = new Date(now.getTime() - PRESENCE_STALE_MS);
  const rows = await db.$queryRaw<{ id: string; volunteerId: string }[]>`
    UPDATE "TalkCall" c SET "status" = 'ENDED', "endedAt" = ${now}, "endedBy" = 'system'
    WHERE c."status" = 'ACTIVE' AND c."startedAt" <= ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM "TalkPresence" p
                      WHERE p."callId" = c."id" AND p."kind" = 'call' AND p."heartbeatAt" > ${stale})
    RETURNING c."id", c."volunteerId"`;
  for (const r of rows)
    await db.onCall.updateMany({ where: { personId: r.volunteerId }, data: { lastCallEndedAt: now } });
  return rows.map((r) => r.id);
}
