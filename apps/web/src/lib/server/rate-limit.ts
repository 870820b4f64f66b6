import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { env } from "./env.js";
import { logger } from "./logger.js";

/**
 * Sign-in link requests: at most 3 per email and 20 per IP address (care homes
 * and shared housing sit behind one address) in 15
 * minutes, counted in PostgreSQL so every web instance shares the count.
 */
let limiters: { email: RateLimiterPostgres; ip: RateLimiterPostgres } | undefined;

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
    };
  }
  return limiters;
}

export async function allowSignInRequest(email: string, ip: string): Promise<boolean> {
  const l = get();
  try {
    await Promise.all([l.ip.consume(ip), l.email.consume(email)]);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
