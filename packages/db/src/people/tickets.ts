import { poolOf, type Db } from "../client.js";

/**
 * Marks a socket ticket as used; true the first time, false on any replay.
 * One statement on every socket handshake: the insert (settled by the key,
 * so two presentations at once cannot both win) and forgetting tickets
 * expired over a minute ago (refused by their signature anyway).
 */
export async function consumeTicket(db: Db, jti: string, expiresAt: Date): Promise<boolean> {
  const { rows } = await poolOf(db).query<{ fresh: boolean }>(
    `WITH forget AS (DELETE FROM "UsedTicket" WHERE "expiresAt" < now() - interval '1 minute'),
          used AS (INSERT INTO "UsedTicket" ("jti", "expiresAt") VALUES ($1, $2)
                   ON CONFLICT ("jti") DO NOTHING RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM used) AS "fresh"`,
    [jti, expiresAt],
  );
  return rows[0]!.fresh;
}
