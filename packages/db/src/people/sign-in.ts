import { client, type Db } from "../client.js";

/** Only approved people who have not been erased may sign in. */
const maySignIn = (p: { status: string; erasedAt: Date | null } | null) =>
  p !== null && p.status === "APPROVED" && !p.erasedAt;

/** Whether a sign-in link may go to this address (callers answer the same either way). */
export async function maySendSignInLink(handle: Db, email: string): Promise<boolean> {
  const db = client(handle);
  return maySignIn(await db.person.findUnique({ where: { email }, select: { status: true, erasedAt: true } }));
}

/** Whether this person may be given a session (checked again as each session is made). */
export async function mayHoldSession(handle: Db, personId: string): Promise<boolean> {
  const db = client(handle);
  return maySignIn(await db.person.findUnique({ where: { id: personId }, select: { status: true, erasedAt: true } }));
}
