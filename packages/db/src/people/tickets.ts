import { client, type Db, poolOf } from "../client.js";
import { ROOM_IDENTITY_COLUMNS, roomIdentityFrom, roomIdentityParams, type RoomIdentity } from "../room/live.js";

/** Marks a socket ticket as used; true the first time, false on any replay (admitTicket without the identity). */
export async function consumeTicket(handle: Db, jti: string, expiresAt: Date): Promise<boolean> {
  const db = client(handle);
  return (await admitTicket(db, { jti, expiresAt, actor: { kind: "visitor" } })).fresh;
}

/**
 * A socket's handshake in one round trip: marks its ticket as used (the insert is
 * settled by the key, so two presentations at once cannot both win; tickets
 * expired over a minute ago, refused by their signature anyway, are forgotten)
 * and, in the same statement, reads who the socket is in a live room (the
 * guest's nickname or the approved person's name), so a room:join waits for no
 * further lookup. A replayed ticket reads nothing.
 */
export async function admitTicket(
  db: Db,
  ticket: {
    jti: string;
    expiresAt: Date;
    actor: { kind: "visitor" } | { kind: "guest"; guestId: string } | { kind: "person"; personId: string };
  },
): Promise<{ fresh: false } | { fresh: true; identity: RoomIdentity | null }> {
  const { rows } = await poolOf(db).query<{ fresh: boolean; guestName: string | null; personName: string | null }>(
    `WITH forget AS (DELETE FROM "UsedTicket" WHERE "expiresAt" < now() - interval '1 minute'),
          used AS (INSERT INTO "UsedTicket" ("jti", "expiresAt") VALUES ($1, $2)
                   ON CONFLICT ("jti") DO NOTHING RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM used) AS "fresh", ${ROOM_IDENTITY_COLUMNS("$3", "$4")}`,
    [ticket.jti, ticket.expiresAt, ...roomIdentityParams(ticket.actor)],
  );
  const row = rows[0]!;
  if (!row.fresh) return { fresh: false };
  return { fresh: true, identity: roomIdentityFrom(ticket.actor, row) };
}
