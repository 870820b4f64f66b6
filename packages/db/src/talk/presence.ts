import { PRESENCE_STALE_MS, type Identity } from "@offshift/core";
import { client, type DbOrTx } from "../client.js";
import { Prisma } from "../generated/prisma/client.js";
import { asRequester } from "./identity.js";

/**
 * SQL: a worker has a waiting page open now (a presence row `wp` whose node's
 * heartbeat is fresh). `isTheirs` says which pages are theirs: the requester
 * of a TalkRequest row (`sameRequester("wp", "r")`), or one worker
 * (`requesterIs("wp", identitySql(who))`). Only such requests are offered to
 * volunteers or counted ahead of anyone in the queue; a request of an erased
 * worker names nobody and is never here.
 */
export const workerHere = (isTheirs: Prisma.Sql, now: Date) => Prisma.sql`EXISTS (
  SELECT 1 FROM "TalkPresence" wp
  WHERE wp."kind" = 'waiting' AND ${isTheirs}
    AND wp."heartbeatAt" > ${new Date(now.getTime() - PRESENCE_STALE_MS)})`;

/**
 * This socket is a worker's page waiting for a volunteer (on asking, and on
 * every reconnect while the request is open); refreshed by its node's
 * heartbeat like the other talk presence rows.
 */
export async function touchWaitingPresence(
  handle: DbOrTx,
  input: { socketId: string; requester: Identity; nodeId: string; now: Date },
): Promise<void> {
  const db = client(handle);
  const who = asRequester(input.requester);
  await db.talkPresence.upsert({
    where: { socketId_kind: { socketId: input.socketId, kind: "waiting" } },
    create: { socketId: input.socketId, kind: "waiting", ...who, nodeId: input.nodeId, heartbeatAt: input.now },
    update: { heartbeatAt: input.now, nodeId: input.nodeId, ...who },
  });
}

/**
 * SQL: the on-call volunteer can be asked now: their on-call page is open (a
 * fresh presence row), or one of their devices takes offers by push, so being
 * on call does not need an open page. An offer sent by push still passes on at
 * its timeout if nobody answers it.
 */
export const volunteerReachable = (personId: Prisma.Sql, now: Date) => Prisma.sql`(
  EXISTS (SELECT 1 FROM "TalkPresence" tp
          WHERE tp."personId" = ${personId} AND tp."kind" = 'oncall'
            AND tp."heartbeatAt" > ${new Date(now.getTime() - PRESENCE_STALE_MS)})
  OR EXISTS (SELECT 1 FROM "PushSubscription" ps
             WHERE ps."personId" = ${personId} AND 'offers' = ANY(ps."topics")))`;
