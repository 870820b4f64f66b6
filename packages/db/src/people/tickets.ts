import { type Db, hotPathOf } from "../client.js";
import { ROOM_IDENTITY_COLUMNS, roomIdentityFrom, roomIdentityParams, type RoomIdentity } from "../room/live.js";

/** Marks a socket ticket as used; true the first time, false on any replay (admitTicket without the identity). */
export async function consumeTicket(db: Db, jti: string, expiresAt: Date): Promise<boolean> {
  return (await admitTicket(db, { jti, expiresAt, actor: { kind: "visitor" } })).fresh;
}

export interface TicketToAdmit {
  jti: string;
  expiresAt: Date;
  actor: { kind: "visitor" } | { kind: "guest"; guestId: string } | { kind: "person"; personId: string };
}
export type TicketAdmission = { fresh: false } | { fresh: true; identity: RoomIdentity | null };

/**
 * A socket's handshake in one round trip: marks its ticket as used (the insert is
 * settled by the key, so two presentations at once cannot both win; tickets
 * expired over a minute ago, refused by their signature anyway, are forgotten)
 * and, in the same statement, reads who the socket is in a live room (the
 * guest's nickname or the approved person's name), so a room:join waits for no
 * further lookup. A replayed ticket reads nothing.
 */
export async function admitTicket(db: Db, ticket: TicketToAdmit): Promise<TicketAdmission> {
  return (await admitTickets(db, [ticket]))[0]!;
}

/**
 * Many handshakes in one statement (realtime batches those that arrive
 * together: one round trip and one commit for all of them, however many
 * sockets connect at once). Answers in the order given. A jti given twice in
 * one batch is fresh once: the first time.
 */
export async function admitTickets(db: Db, tickets: readonly TicketToAdmit[]): Promise<TicketAdmission[]> {
  if (tickets.length === 0) return [];
  const params = tickets.map((t) => roomIdentityParams(t.actor));
  const { rows } = await hotPathOf(db).query<{
    i: string;
    fresh: boolean;
    guestName: string | null;
    personName: string | null;
  }>(
    `WITH given AS (
            SELECT * FROM unnest($1::varchar[], $2::timestamptz[], $3::uuid[], $4::uuid[])
                     WITH ORDINALITY AS g("jti", "expiresAt", "guestId", "personId", "i")),
          forget AS (DELETE FROM "UsedTicket" WHERE "expiresAt" < now() - interval '1 minute'),
          used AS (INSERT INTO "UsedTicket" ("jti", "expiresAt")
                   SELECT DISTINCT ON ("jti") "jti", "expiresAt" FROM given ORDER BY "jti", "i"
                   ON CONFLICT ("jti") DO NOTHING RETURNING "jti")
     SELECT g."i",
            EXISTS (SELECT 1 FROM used u WHERE u."jti" = g."jti")
              AND g."i" = (SELECT min(o."i") FROM given o WHERE o."jti" = g."jti") AS "fresh",
            ${ROOM_IDENTITY_COLUMNS('g."guestId"', 'g."personId"')}
       FROM given g ORDER BY g."i"`,
    [tickets.map((t) => t.jti), tickets.map((t) => t.expiresAt), params.map((p) => p[0]), params.map((p) => p[1])],
  );
  return tickets.map((t, k) => {
    const row = rows[k]!;
    if (Number(row.i) !== k + 1) throw new Error("admitTickets: rows out of order");
    return row.fresh ? { fresh: true, identity: roomIdentityFrom(t.actor, row) } : { fresh: false };
  });
}
