import { hostname } from "node:os";
import { ConfigError, parseEnv, realtimeEnvSchema } from "@offshift/core";
import { readClock, redactUrl, waitForDatabase } from "@offshift/launcher";
import { createLogger } from "./logger.js";
import { startHorizonJob, startMailJob } from "./jobs.js";
import { createRealtimeServer } from "./server.js";
import { startDropInPushJob, startRotaPushJob } from "./push-job.js";

async function main() {
  let env;
  try {
    env = parseEnv(realtimeEnvSchema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`offshift realtime: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const nodeId = env.NODE_ID ?? `${hostname()}-${process.pid}`;
  const logger = createLogger({ level: env.LOG_LEVEL, nodeId });

  await waitForDatabase(env.DATABASE_URL, {
    timeoutMs: 120_000,
    onWaiting: ({ reason, elapsedMs }) =>
      logger.warn(
        { database: redactUrl(env.DATABASE_URL), reason, waitedSeconds: Math.round(elapsedMs / 1000) },
        "waiting for database",
      ),
  });

  const origins =
    env.CORS_ORIGINS.trim() === "*"
      ? "*"
      : env.CORS_ORIGINS.split(",")
          .map((o) => o.trim())
          .filter(Boolean);
  const server = createRealtimeServer({
    databaseUrl: env.DATABASE_URL,
    nodeId,
    corsOrigins: origins,
    ticketSecret: env.REALTIME_TICKET_SECRET,
    logger,
    now: () => readClock(env.OFFSHIFT_TEST_CLOCK_FILE),
    liveKit:
      env.LIVEKIT_URL && env.LIVEKIT_API_KEY && env.LIVEKIT_API_SECRET
        ? { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET }
        : undefined,
    push:
      env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
        ? { vapid: { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT } }
        : undefined,
  });
  logger.info({ audio: env.LIVEKIT_URL ? "livekit" : "mesh" }, "room audio");
  const port = await server.listen(env.PORT, env.HOST);
  logger.info({ port }, "realtime listening");
  const clockFile = env.OFFSHIFT_TEST_CLOCK_FILE;
  const stopHorizon = startHorizonJob(env.DATABASE_URL, logger, undefined, () => readClock(clockFile));
  const stopMail = startMailJob({
    databaseUrl: env.DATABASE_URL,
    logger,
    io: server.io,
    smtpUrl: env.SMTP_URL,
    logMailLinks: env.NODE_ENV === "development",
    mailFrom: env.MAIL_FROM,
    timeZone: env.ORG_TIMEZONE,
    origin: env.ORIGIN,
    now: () => readClock(clockFile),
  });
  const vapid =
    env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
      ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT }
      : null;
  const stopPushes = vapid
    ? startDropInPushJob({ databaseUrl: env.DATABASE_URL, logger, vapid, now: () => readClock(clockFile) })
    : async () => {};
  const stopRotaPushes = vapid
    ? startRotaPushJob({
        databaseUrl: env.DATABASE_URL,
        logger,
        vapid,
        timeZone: env.ORG_TIMEZONE,
        now: () => readClock(clockFile),
      })
    : async () => {};
  const stopJobs = () => Promise.all([stopHorizon(), stopMail(), stopPushes(), stopRotaPushes()]);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "realtime stopping");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void Promise.all([server.close(), stopJobs()]).then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error(`offshift realtime: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
