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
