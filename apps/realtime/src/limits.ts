import { RateLimiterMemory } from "rate-limiter-flexible";
import { signalBytes } from "@offshift/core";

/**
 * Mesh signalling bytes one socket may relay per 10 s. Setting up audio with
 * five others (an offer or answer of a few kB and a dozen candidates each, an
 * ICE restart or two) is well under 100 kB; a flood is not.
 */
export const SIGNAL_BYTES_PER_10S = 256 * 1024;
export const SIGNALS_RATE_LIMITED = "Too much audio set-up at once. Please wait a few seconds.";

/**
 * Per-socket budgets shared by the room and 1:1 handlers: bursts of clicks are
 * fine, floods are not. Chat and audio signalling have budgets of their own;
 * signalling is counted in messages and in bytes.
 */
export function socketLimits(socketId: string) {
  const commands = new RateLimiterMemory({ points: 20, duration: 10 });
  const chat = new RateLimiterMemory({ points: 5, duration: 10 });
  const signals = new RateLimiterMemory({ points: 200, duration: 10 });
  const signalVolume = new RateLimiterMemory({ points: SIGNAL_BYTES_PER_10S, duration: 10 });
  const allowed = async (limiter: RateLimiterMemory, points = 1) => {
    try {
      await limiter.consume(socketId, points);
      return true;
    } catch {
      return false;
    }
  };
  /** A parsed signal may be relayed: within the message count and the byte budget. */
  const signalAllowed = async (signal: unknown) =>
    (await allowed(signals)) && (await allowed(signalVolume, signalBytes(signal)));
  return { commands, chat, signals, allowed, signalAllowed };
}

/**
 * Open sockets one identity (a guest, a person, a visitor's browser) may hold
 * on one node: a few tabs and a phone, not a flood that would take a room's
 * places or the node's memory.
 */
export const MAX_SOCKETS_PER_IDENTITY = 8;
export const TOO_MANY_SOCKETS =
  "TOO_MANY_CONNECTIONS: Offshift is open in too many tabs or windows. Close some of them, then try again.";
