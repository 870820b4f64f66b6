import {
  estimateWaitMinutes,
  hasPreferences,
  preferencesRelaxed,
  RELAX_AFTER_MS,
  refuse as refuseWith,
  type Refusal,
  type TalkEffect,
  type TalkErrorCode,
  type TalkPreferences,
  type TalkStatus,
  type RecentAnswers,
  type Identity,
  sameIdentity,
} from "@offshift/core";
import { client, type Db } from "../client.js";
import { Prisma } from "../generated/prisma/client.js";
import { touchWaitingPresence, volunteerReachable, workerHere } from "./presence.js";
import { asRequester, asWorker, sameRequester, requesterOf } from "./identity.js";
import { audit } from "../audit.js";

/** A step of the 1:1 line: its result, or a refusal (the one shape every use case returns). */
export type TalkResult<T> = ({ ok: true } & T) | Refusal<TalkErrorCode>;
/** A 1:1 line use case (talk/use-cases.ts): its result and what is to be done once it committed, or a refusal. */
export type TalkOutcome<T = unknown> = ({ ok: true; effects: TalkEffect[] } & T) | Refusal<TalkErrorCode>;
export const refuse = (code: TalkErrorCode, message: string) => refuseWith(code, message);

export const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError
    ? err.code === "P2002"
    : /unique constraint|duplicate key|23505/i.test(err instanceof Error ? err.message : String(err));

/**
 * A worker asks for someone to talk to. One open request per worker: a
 * second ask is refused (the partial unique index settles two at once).
 * `requester` is who asks (a guest or a person), never a name. `page` is the worker's socket that asked: a request is only
 * offered while one of its worker's pages is open (see `workerHere`), and is
 * closed as LEFT once they have all been gone for WORKER_GRACE_MS.
 */
export async function requestTalk(
  handle: Db,
  input: {
    requester: Identity;
    preferences: TalkPreferences;
    now: Date;
    page: { socketId: string; nodeId: string } | null;
    priority?: number;
    fromOccurrenceId?: string | null;
  },
): Promise<TalkResult<{ requestId: string }>> {
  const db = client(handle);
  const inCall = await db.talkCall.findFirst({
    where: { ...asWorker(input.requester), status: "ACTIVE" },
    select: { id: true },
  });
  if (inCall) return refuse("already_in_call", "You're already in a call. End it before asking again.");
  try {
    const r = await db.talkRequest.create({
      data: {
        ...asRequester(input.requester),
        language: input.preferences.language ?? null,
        experience: input.preferences.experience,
        priority: input.priority ?? 0,
        fromOccurrenceId: input.fromOccurrenceId ?? null,
        createdAt: input.now,
        workerSeenAt: input.now,
      },
      select: { id: true },
    });
    if (input.page) await touchWaitingPresence(db, { ...input.page, requester: input.requester, now: input.now });
    return { ok: true, requestId: r.id };
  } catch (err) {
    if (isUniqueViolation(err))
      return refuse("already_waiting", "You're already waiting for someone. You can cancel that request first.");
    throw err;
  }
}

/**
 * A facilitator steps a drop-in participant aside: a priority request in
 * their name (or their open request moved to the front). No preferences:
 * the first free volunteer is best. Their room page is told and registers
 * as a waiting page (`talk:sync`); until then the grace counts from now.
 */
export async function stepAside(
  handle: Db,
  input: { requester: Identity; occurrenceId: string; byPersonId: string | null; now: Date },
): Promise<TalkResult<{ requestId: string }>> {
  const db = client(handle);
  await audit(db, {
    at: input.now,
    action: "room.step-aside",
    by: input.byPersonId,
    details: { occurrenceId: input.occurrenceId },
  });
  const open = await db.talkRequest.findFirst({
    where: { ...asRequester(input.requester), status: { in: ["WAITING", "OFFERED"] } },
    select: { id: true },
  });
  if (open) {
    await db.talkRequest.update({
      where: { id: open.id },
      data: { priority: 1, fromOccurrenceId: input.occurrenceId, workerSeenAt: input.now },
    });
    return { ok: true, requestId: open.id };
  }
  return requestTalk(db, {
    requester: input.requester,
    preferences: { experience: [] },
    now: input.now,
    page: null,
    priority: 1,
    fromOccurrenceId: input.occurrenceId,
  });
}

/**
 * The worker cancels. Any pending offer is withdrawn (and its volunteer
 * told). Offers are updated before the request, in the same order as
 * accepting, so the two cannot deadlock; a second pass catches an offer
 * made while this ran.
 */
export async function cancelTalk(
  handle: Db,
  input: { requestId: string; requester: Identity; now: Date },
): Promise<TalkResult<{ withdrawn: { offerId: string; volunteerId: string }[] }>> {
  const db = client(handle);
  const request = await db.talkRequest.findUnique({
    where: { id: input.requestId },
    select: { requesterPersonId: true, requesterGuestId: true, status: true },
  });
  if (!request || !sameIdentity(requesterOf(request), input.requester))
    return refuse("not_found", "That request could not be found.");
  if (request.status === "MATCHED") return refuse("ended", "A volunteer has already answered: you can end the call.");
  if (request.status === "CANCELLED") return refuse("ended", "That request was already cancelled.");
  if (request.status === "LEFT")
    return refuse("ended", "That request closed when your page was closed. You can ask again.");
  return db.$transaction(async (tx) => {
    const withdraw = () =>
      tx.$queryRaw<{ offerId: string; volunteerId: string }[]>`
        UPDATE "TalkOffer" SET "status" = 'WITHDRAWN', "decidedAt" = ${input.now}
        WHERE "requestId" = ${input.requestId}::uuid AND "status" = 'PENDING'
        RETURNING "id" AS "offerId", "volunteerId"`;
    const first = await withdraw();
    const { count } = await tx.talkRequest.updateMany({
      where: { id: input.requestId, ...asRequester(input.requester), status: { in: ["WAITING", "OFFERED"] } },
      data: { status: "CANCELLED", closedAt: input.now },
    });
    if (count === 0) return refuse("ended", "A volunteer has just answered: you can end the call.");
    return { ok: true, withdrawn: [...first, ...(await withdraw())] } as const;
  });
}

export interface TalkCounts {
  /** Volunteers on call with their on-call page open or taking offers by push. */
  onCall: number;
  /** Of those, not in a call and not holding an offer. */
  free: number;
}

/** Who is on call and reachable right now: counts only. */
export async function talkAvailability(handle: Db, now: Date): Promise<TalkCounts> {
  const db = client(handle);
  const rows = await db.$queryRaw<{ onCall: bigint; free: bigint }[]>`
    SELECT count(*) AS "onCall",
      count(*) FILTER (WHERE
        NOT EXISTS (SELECT 1 FROM "TalkCall" c WHERE c."volunteerId" = oc."personId" AND c."status" = 'ACTIVE')
        AND NOT EXISTS (SELECT 1 FROM "TalkOffer" o WHERE o."volunteerId" = oc."personId" AND o."status" = 'PENDING')
      ) AS "free"
    FROM "OnCall" oc
    WHERE (oc."until" IS NULL OR oc."until" > ${now})
      AND ${volunteerReachable(Prisma.sql`oc."personId"`, now)}`;
  return { onCall: Number(rows[0]?.onCall ?? 0), free: Number(rows[0]?.free ?? 0) };
}

/** How far back the wait estimate learns from, and from how many calls at most. */
const RECENT_WINDOW_MS = 24 * 60 * 60_000;
const RECENT_CALLS = 30;

/**
 * The line's recent answers: how long each answered offer took to be accepted, and
 * how long each finished call lasted (the newest 30 calls of the last 24 hours).
 */
export async function recentAnswers(handle: Db, now: Date): Promise<RecentAnswers> {
  const db = client(handle);
  const rows = await db.$queryRaw<{ answerMs: number; callMs: number | null }[]>`
    SELECT (EXTRACT(EPOCH FROM (c."startedAt" - o."createdAt")) * 1000)::float8 AS "answerMs",
           (EXTRACT(EPOCH FROM (c."endedAt" - c."startedAt")) * 1000)::float8 AS "callMs"
    FROM "TalkCall" c
    JOIN "TalkOffer" o ON o."requestId" = c."requestId" AND o."volunteerId" = c."volunteerId" AND o."status" = 'ACCEPTED'
    WHERE c."startedAt" > ${new Date(now.getTime() - RECENT_WINDOW_MS)} AND c."startedAt" <= ${now}
    ORDER BY c."startedAt" DESC
    LIMIT ${RECENT_CALLS}`;
  return {
    answerMs: rows.map((r) => r.answerMs),
    callMs: rows.flatMap((r) => (r.callMs === null ? [] : [r.callMs])),
  };
}

/** How long a worker coming back is told that their request closed while they were away. */
const LAPSED_SHOWN_MS = 12 * 60 * 60_000;

/**
 * What the worker sees: their place in the queue, a rough wait, whether the search widened, or their call.
 * An anonymous visitor (no identity) has neither: they see who is on call.
 */
export async function talkStatus(handle: Db, input: { requester: Identity | null; now: Date }): Promise<TalkStatus> {
  const db = client(handle);
  const who = input.requester;
  const call =
    who && (await db.talkCall.findFirst({ where: { ...asWorker(who), status: "ACTIVE" }, select: { id: true } }));
  if (call) return { state: "matched", callId: call.id };
  const counts = await talkAvailability(db, input.now);
  const request =
    who &&
    (await db.talkRequest.findFirst({
      where: { ...asRequester(who), status: { in: ["WAITING", "OFFERED"] } },
    }));
  if (!request) {
    const last =
      who &&
      (await db.talkRequest.findFirst({
        where: asRequester(who),
        orderBy: { createdAt: "desc" },
        select: { status: true, closedAt: true },
      }));
    const lapsed =
      last?.status === "LEFT" && !!last.closedAt && input.now.getTime() - last.closedAt.getTime() < LAPSED_SHOWN_MS;
    return { state: "none", ...counts, ...(lapsed ? { lapsed } : {}) };
  }
  // Only workers whose page is open count ahead: someone who closed theirs is not asked first, and is
  // closed after the grace (if they come back within it, they are ahead again: their place is kept).
  const [ahead] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS "n" FROM "TalkRequest" r
    WHERE r."status" IN ('WAITING', 'OFFERED')
      AND (r."priority" > ${request.priority} OR (r."priority" = ${request.priority} AND r."createdAt" < ${request.createdAt}))
      AND ${workerHere(sameRequester("wp", "r"), input.now)}`;
  const position = Number(ahead?.n ?? 0) + 1;
  const prefs = hasPreferences(request);
  const widened = prefs && preferencesRelaxed({ createdAt: request.createdAt.getTime() }, input.now.getTime());
  return {
    state: "waiting",
    requestId: request.id,
    position,
    estimatedWaitMinutes: estimateWaitMinutes(position, counts.free, counts.onCall, await recentAnswers(db, input.now)),
    widened,
    widensAt: prefs && !widened ? new Date(request.createdAt.getTime() + RELAX_AFTER_MS).toISOString() : null,
    hasPreferences: prefs,
    createdAt: request.createdAt.toISOString(),
    ...counts,
  };
}
