import { createHmac } from "node:crypto";

/**
 * A member's alias in one room: stable for one identity there, unlinkable
 * across rooms. Realtime names members by it; web computes it too, to find a
 * forgotten guest's or erased person's lines in a live room's side-chat.
 */
export function memberAlias(secret: string, occurrenceId: string, identityKey: string): string {
  return `m_${createHmac("sha256", secret).update(`${occurrenceId}\n${identityKey}`).digest("hex").slice(0, 16)}`;
}
