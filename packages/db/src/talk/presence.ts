import { PRESENCE_STALE_MS } from "@offshift/core";
import type { Db } from "../client.js";
import { Prisma } from "../generated/prisma/client.js";

/**
 * SQL: the worker with this identity key has a waiting page open now (a
 * presence row whose node's heartbeat is fresh). Only such requests are
 * offered to volunteers or counted ahead of anyone in the queue.
 */
export const workerHere = (requesterKey: Prisma.Sql, now: Date) => Prisma.sql`EXISTS (
  SELECT 1 FROM "TalkPresence" wp
  WHERE wp."kind" = 'waiting' AND wp."requesterKey" = ${requesterKey}
    AND wp."heartbeatAt" > ${new Date(now.getTime() - PRESENCE_STALE_MS)})`;

/**
 * This socket is a worker's page waiting for a volunteer (on asking, and on
 * every reconnect while the request is open); refreshed by its node's
 * heartbeat like the other talk presence rows.
 */
export async function touchWaitingPresence(
  db: Db | Prisma.TransactionClient,
  input: { socketId: string; requesterKey: string; nodeId: string; now: Date },
): Promise<void> {
  await db.talkPresence.upsert({
    where: { socketId_kind: { socketId: input.socketId, kind: "waiting" } },
    create: {
      socketId: input.socketId,
      kind: "waiting",
      requesterKey: input.requesterKey,
      nodeId: input.nodeId,
      heartbeatAt: input.now,
    },
    update: { heartbeatAt: input.now, nodeId: input.nodeId, requesterKey: input.requesterKey },
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
