import type { Socket } from "socket.io-client";
import { BUSY_RETRIES, busyRetryDelay } from "@offshift/core/browser";

type Ack = { ok: true } | { ok: false; error: { code: string; message: string } };

/** The answer given to a command whose retries stopped because a newer one of its kind was sent. */
export const SUPERSEDED: unique symbol = Symbol("superseded");

/** Per socket: how many commands of each kind have been sent (see `supersedes`). */
const sent = new WeakMap<object, Map<string, number>>();

/**
 * Emits a command and waits for its acknowledgement. A `busy` answer means the
 * node did nothing (too much was waiting): the same command is sent again after
 * a growing, jittered pause, up to BUSY_RETRIES times, without bothering the
 * person; the last answer is returned (still `busy` if the node never made
 * room). Null when no answer came within `timeoutMs` (a lost connection).
 *
 * `supersedes` names a kind of command where only the latest counts (a hand
 * raised then lowered, mute on then off): a command of that kind still waiting
 * to be sent again is not, once a newer one of its kind was sent on the same
 * socket, and is answered SUPERSEDED. Sent again, an older "raise" would land
 * after the newer "lower" and leave the hand up. Commands already sent keep
 * their order: one socket's commands are answered in the order they arrive.
 */
export function emitWithRetry<A extends Ack>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs?: number,
): Promise<A | null>;
export function emitWithRetry<A extends Ack>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs: number,
  supersedes: string | undefined,
): Promise<A | typeof SUPERSEDED | null>;
export async function emitWithRetry<A extends Ack>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 10_000,
  supersedes?: string,
): Promise<A | typeof SUPERSEDED | null> {
  let counts = sent.get(socket);
  if (!counts) sent.set(socket, (counts = new Map()));
  const mine = supersedes === undefined ? 0 : (counts.get(supersedes) ?? 0) + 1;
  if (supersedes !== undefined) counts.set(supersedes, mine);
  for (let attempt = 1; ; attempt++) {
    const ack = await new Promise<A | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      (socket.emit as (e: string, p: unknown, ack: (r: A) => void) => void)(event, payload, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
    if (!ack || ack.ok || ack.error.code !== "busy" || attempt > BUSY_RETRIES) return ack;
    await new Promise((resolve) => setTimeout(resolve, busyRetryDelay(attempt, Math.random())));
    if (supersedes !== undefined && counts.get(supersedes) !== mine) return SUPERSEDED;
  }
}
