import { RateLimiterMemory } from "rate-limiter-flexible";

/**
 * Per-socket budgets shared by the room and 1:1 handlers: bursts of clicks are
 * fine, floods are not. Chat and audio signalling have budgets of their own.
 */
export function socketLimits(socketId: string) {
  const commands = new RateLimiterMemory({ points: 20, duration: 10 });
  const chat = new RateLimiterMemory({ points: 5, duration: 10 });
  const signals = new RateLimiterMemory({ points: 200, duration: 10 });
  const allowed = async (limiter: RateLimiterMemory) => {
    try {
      await limiter.consume(socketId);
      return true;
    } catch {
      return false;
    }
  };
  return { commands, chat, signals, allowed };
}

/**
 * Open sockets one identity (a guest, a person, a visitor's browser) may hold
 * on one node: a few tabs and a phone, not a flood that would take a room's
 * places or the node's memory.
 */
export const MAX_SOCKETS_PER_IDENTITY = 8;
export const TOO_MANY_SOCKETS =
  "TOO_MANY_CONNECTIONS: Offshift is open in too many tabs or windows. Close some of them, then try again.";
