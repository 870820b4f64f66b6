import type { Db } from "../client.js";

/**
 * Marks a socket ticket as used. True the first time only: the primary key
 * settles two connections racing with the same ticket.
 */
export async function consumeTicket(db: Db, jti: string, expiresAt: Date): Promise<boolean> {
  const result = await db.usedTicket.createMany({ data: [{ jti, expiresAt }], skipDuplicates: true });
  // Expired tickets are refused by their signature anyway; forget them.
  await db.usedTicket.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 60_000) } } });
  return result.count === 1;
}
