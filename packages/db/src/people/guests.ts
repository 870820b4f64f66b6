import { createHash, randomBytes } from "node:crypto";
import type { GuestJoinInput } from "@offshift/core";
import { client, type Db, poolOf } from "../client.js";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface GuestIdentity {
  id: string;
  nickname: string;
}

/** A new anonymous worker. The returned token goes in an httpOnly cookie; only its hash is stored. */
export async function createGuest(
  handle: Db,
  input: GuestJoinInput,
  now = new Date(),
): Promise<{ guest: GuestIdentity; token: string }> {
  const db = client(handle);
  const token = randomBytes(32).toString("base64url");
  const guest = await db.guest.create({
    data: { nickname: input.nickname, tokenHash: hashToken(token), agreementAcceptedAt: now },
    select: { id: true, nickname: true },
  });
  return { guest, token };
}

export async function findGuestByToken(db: Db, token: string | undefined): Promise<GuestIdentity | null> {
  if (!token || token.length > 100) return null;
  // Plain SQL on the client's pool: this runs on every request a guest makes (hooks.server.ts).
  const { rows } = await poolOf(db).query<GuestIdentity>(`select id, nickname from "Guest" where "tokenHash" = $1`, [
    hashToken(token),
  ]);
  return rows[0] ?? null;
}

export async function renameGuest(handle: Db, guestId: string, nickname: string): Promise<GuestIdentity> {
  const db = client(handle);
  return db.guest.update({ where: { id: guestId }, data: { nickname }, select: { id: true, nickname: true } });
}
