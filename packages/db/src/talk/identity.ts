import type { Identity } from "@offshift/core";
import { Prisma } from "../generated/prisma/client.js";

/**
 * How the 1:1 line stores who a worker is: a person id or a guest id (one of
 * the two, by a CHECK; neither once they were erased), never a channel name.
 * These turn core's `Identity` into those columns and back.
 */

type PersonOrGuest = { personId: string | null; guestId: string | null };

const columns = (who: Identity): PersonOrGuest => ({
  personId: who.kind === "person" ? who.id : null,
  guestId: who.kind === "guest" ? who.id : null,
});

const identityFrom = ({ personId, guestId }: PersonOrGuest): Identity | null =>
  personId ? { kind: "person", id: personId } : guestId ? { kind: "guest", id: guestId } : null;

/** TalkRequest's (and a waiting TalkPresence's) columns for this worker: as data, and as a filter. */
export const asRequester = (who: Identity) => {
  const c = columns(who);
  return { requesterPersonId: c.personId, requesterGuestId: c.guestId };
};

/** TalkCall's columns for this worker: as data, and as a filter. */
export const asWorker = (who: Identity) => {
  const c = columns(who);
  return { workerPersonId: c.personId, workerGuestId: c.guestId };
};

/** Who asked, from a TalkRequest or TalkPresence row; null once they were erased. */
export const requesterOf = (row: { requesterPersonId: string | null; requesterGuestId: string | null }) =>
  identityFrom({ personId: row.requesterPersonId, guestId: row.requesterGuestId });

/** Who the worker of a TalkCall row is; null once they were erased. */
export const workerOf = (row: { workerPersonId: string | null; workerGuestId: string | null }) =>
  identityFrom({ personId: row.workerPersonId, guestId: row.workerGuestId });

/** A worker as two bound uuid values, at most one not null. */
export interface WorkerSql {
  personId: Prisma.Sql;
  guestId: Prisma.Sql;
}

/** This identity as bound SQL values. */
export const identitySql = (who: Identity): WorkerSql => {
  const c = columns(who);
  return { personId: Prisma.sql`${c.personId}::uuid`, guestId: Prisma.sql`${c.guestId}::uuid` };
};

/** SQL: the requester columns under `alias` name this worker (an erased row, naming nobody, never matches). */
export const requesterIs = (alias: string, who: WorkerSql) => Prisma.sql`(
  ${Prisma.raw(`${alias}."requesterPersonId"`)} = ${who.personId} OR ${Prisma.raw(`${alias}."requesterGuestId"`)} = ${who.guestId})`;

/**
 * SQL: the rows under aliases `a` and `b` (a TalkRequest, a waiting TalkPresence)
 * name the same worker. Compared as one key, the guest's or the person's id,
 * so that PostgreSQL hash-joins a whole queue at once: the same test as an OR
 * of the two columns is a loop of index probes, measured 5x slower over 2,000
 * waiting requests. The second clause keeps a person's id from ever matching
 * a guest's; a row naming nobody (erased) matches nothing.
 */
export const sameRequester = (a: string, b: string) => {
  const col = (alias: string, name: string) => Prisma.raw(`${alias}."${name}"`);
  return Prisma.sql`(
  coalesce(${col(a, "requesterGuestId")}, ${col(a, "requesterPersonId")}) = coalesce(${col(b, "requesterGuestId")}, ${col(b, "requesterPersonId")})
  AND (${col(a, "requesterPersonId")} IS NULL) = (${col(b, "requesterPersonId")} IS NULL))`;
};
