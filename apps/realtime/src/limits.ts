import { RateLimiterMemory } from "rate-limiter-flexible";
import { signalBytes } from "@offshift/core";

/**
 * Mesh signalling bytes one socket may relay per 10 s. Setting up audio with
 * five others (an offer or answer of a few kB and a dozen candidates each, an
 * ICE restart or two) is well under 100 kB; a flood is not.
 */
export const SIGNAL_BYTES_PER_10S = 256 * 1024;
export const SIGNALS_RATE_LIMITED = "Too much audio set-up at once. Please wait a few seconds.";

function budgets() {
  return {
    commands: new RateLimiterMemory({ points: 20, duration: 10 }),
    chat: new RateLimiterMemory({ points: 5, duration: 10 }),
    signals: new RateLimiterMemory({ points: 200, duration: 10 }),
    signalVolume: new RateLimiterMemory({ points: SIGNAL_BYTES_PER_10S, duration: 10 }),
  };
}
// One set of limiters for the process, keyed by socket id (each key forgets itself 10 s after its last use),
// rather than four limiter objects per socket: a node holding thousands of sockets keeps only the busy ones.
const shared = { room: budgets(), talk: budgets() };

/**
 * Per-socket budgets for the room and the 1:1 handlers (each its own): bursts
 * of clicks are fine, floods are not. Chat and audio signalling have budgets
 * of their own; signalling is counted in messages and in bytes.
 */
export function socketLimits(socketId: string, scope: "room" | "talk") {
  const { commands, chat, signals, signalVolume } = shared[scope];
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
