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
