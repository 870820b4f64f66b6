import type { Actor } from "@offshift/core";
import { client, type Db, poolOf } from "../client.js";
import type { PersonStatus, Role } from "../generated/prisma/enums.js";

export interface SignedInPerson {
  id: string;
  displayName: string;
  email: string | null;
  roles: Role[];
  status: PersonStatus;
}

/**
 * The person behind a sign-in session, if they may act: approved and not
 * erased (a suspension ends sessions in the database; this also covers a
 * session read a moment before that). Plain SQL on the client's pool: it runs
 * on every request a signed-in person makes (hooks.server.ts).
 */
export async function findSignedInPerson(db: Db, personId: string): Promise<SignedInPerson | null> {
  const { rows } = await poolOf(db).query<SignedInPerson>(
    `select id, "displayName", email, roles::text[] as roles, status::text as status
       from "Person" where id = $1 and status = 'APPROVED' and "erasedAt" is null`,
    [personId],
  );
  return rows[0] ?? null;
}

/**
 * The actor a person id stands for, as the database says now (roles and
 * status); a visitor if there is no such person or they were erased.
 */
export async function actorOfPerson(handle: Db, personId: string): Promise<Actor> {
  const db = client(handle);
  const p = await db.person.findFirst({
    where: { id: personId, erasedAt: null },
    select: { roles: true, status: true },
  });
  return p ? { kind: "person", personId, roles: p.roles, status: p.status } : { kind: "visitor" };
}
