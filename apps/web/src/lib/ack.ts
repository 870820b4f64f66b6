import type { Socket } from "socket.io-client";
import { BUSY_RETRIES, busyRetryDelay } from "@offshift/core/browser";

type Ack = { ok: true } | { ok: false; error: { code: string; message: string } };

/**
 * Emits a command and waits for its acknowledgement. A `busy` answer means the
 * node did nothing (too much was waiting): the same command is sent again after
 * a growing, jittered pause, up to BUSY_RETRIES times, without bothering the
 * person; the last answer is returned (still `busy` if the node never made
 * room). Null when no answer came within `timeoutMs` (a lost connection).
 */
export async function emitWithRetry<A extends Ack>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<A | null> {
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
  }
}
