import { createHmac } from "node:crypto";
import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { env } from "./env.js";
import { logger } from "./logger.js";

/**
 * Every form that sends mail to an address someone types (a sign-in link, a
 * reminder sign-up, a volunteer application) goes through one limiter: at most
 * 3 per email and 20 per IP address (care homes and shared housing sit behind
 * one address) in 15 minutes, counted in PostgreSQL so every web instance
 * shares the count.
 */
let limiters:
  | { email: RateLimiterPostgres; ip: RateLimiterPostgres; guests: RateLimiterPostgres; intents: RateLimiterPostgres }
  | undefined;

/** "Count me in" / "I can't make it" changes per guest or account in 10 minutes. */
export const INTENT_CHANGES_PER_10_MINUTES = 30;

/** New guests (nicknames) per client address an hour: enough for a shared care-home address, not for a flood. */
export const NEW_GUESTS_PER_ADDRESS_PER_HOUR = 20;

function get() {
  if (!limiters) {
    const pool = new pg.Pool({ connectionString: env().DATABASE_URL, max: 2 });
    // A database restart must not take web down: errors on idle or checked-out
    // clients are logged; the next request opens a fresh connection.
    pool.on("error", (err) => logger.warn({ err: err.message }, "rate-limit pool error"));
    pool.on("connect", (client) =>
      client.on("error", (err) => logger.warn({ err: err.message }, "rate-limit client error")),
    );
    const common = {
      storeClient: pool,
      storeType: "pool",
      tableName: "rate_limits",
      tableCreated: true,
      duration: 15 * 60,
    };
    limiters = {
      email: new RateLimiterPostgres({ ...common, keyPrefix: "signin-email", points: 3 }),
      ip: new RateLimiterPostgres({ ...common, keyPrefix: "signin-ip", points: 20 }),
      guests: new RateLimiterPostgres({
        ...common,
        keyPrefix: "guest-ip",
        points: NEW_GUESTS_PER_ADDRESS_PER_HOUR,
        duration: 60 * 60,
      }),
      intents: new RateLimiterPostgres({
        ...common,
        keyPrefix: "intent",
        points: INTENT_CHANGES_PER_10_MINUTES,
        duration: 10 * 60,
      }),
    };
  }
  return limiters;
}

/** The key an email is counted under: keyed with AUTH_SECRET, so no rate-limit row keeps an address in clear. */
export const emailKey = (email: string) =>
  createHmac("sha256", env().AUTH_SECRET).update(email.trim().toLowerCase()).digest("base64url");

export async function allowSignInRequest(email: string, ip: string): Promise<boolean> {
  const l = get();
  try {
    await Promise.all([l.ip.consume(ip), l.email.consume(emailKey(email))]);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}

/** One more guest from this client address, unless it has made too many this hour. */
export async function allowNewGuest(ip: string): Promise<boolean> {
  try {
    await get().guests.consume(ip);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}

/** One more "Count me in" change for this guest or account (counted under a keyed hash, not the identity). */
export async function allowIntentChange(identityKey: string): Promise<boolean> {
  try {
    await get().intents.consume(createHmac("sha256", env().AUTH_SECRET).update(identityKey).digest("base64url"));
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
