#!/usr/bin/env node
// `npm start` (production build) and `npm run dev` (hot reload).
//
// 1. builds whatever is not built (turbo's cache makes this quick after the first time)
// 2. parses the environment; a bad variable stops here with its name
// 3. PostgreSQL: DATABASE_URL if set, else an embedded server with data under DATA_DIR
// 4. `prisma migrate deploy`, then demo data on the first run only
// 5. audio: LIVEKIT_URL if set, else a livekit-server binary on this machine run on
//    loopback (keys generated and kept in DATA_DIR), else the built-in mesh
// 6. starts realtime and web, waits until both answer, prints the URL
// 7. restarts web, realtime or LiveKit if one crashes once running (state is in PostgreSQL)
// 8. SIGINT/SIGTERM: stops web and realtime, then LiveKit and PostgreSQL, and exits
import { spawn, spawnSync } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const dev = args.has("--dev");
/** A package file as npm installed it, hoisted or not. */
function installed(fromDir, file) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", file);
    if (existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`${file} is not installed; run npm install`);
  }
}
const say = (msg) => console.log(`[offshift] ${msg}`);
/** A path as a person reads it: relative inside the repository, absolute elsewhere. */
const shortPath = (file) => (path.relative(root, file).startsWith("..") ? file : path.relative(root, file));
const fail = (msg) => {
  console.error(`[offshift] ${msg}`);
  process.exit(1);
};

if (!args.has("--no-build")) {
  const tasks = dev ? ["build", "--filter=@offshift/core", "--filter=@offshift/db"] : ["build"];
  const built = spawnSync(
    process.execPath,
    [installed(root, "turbo/bin/turbo"), "run", ...tasks, "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    },
  );
  if (built.status !== 0) fail("The build failed; see the errors above.");
}

const { ConfigError, launcherEnvSchema, parseEnv } = await import("@offshift/core");
let env;
try {
  env = parseEnv(launcherEnvSchema, process.env);
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
const {
  LiveKitServerError,
  canConnect,
  findLiveKitServer,
  liveKitServerVersion,
  migrateDeploy,
  portFree,
  prepareLiveKitServer,
  redactUrl,
  startEmbeddedPostgres,
  waitForDatabase,
} = await import("@offshift/launcher");
const { closeDb, createDb, extendDropInHorizon } = await import("@offshift/db");
const { seedDemoData } = await import("@offshift/demo");

for (const [name, port] of [
  ["PORT", env.PORT],
  ["REALTIME_PORT", env.REALTIME_PORT],
]) {
  if (port !== 0 && !(await portFree(port, env.HOST))) {
    fail(`${name} ${port} is already in use. Stop whatever is using it, or choose another with ${name}=<port>.`);
  }
}

// Checked before anything starts: a LIVEKIT_SERVER_BIN that points at nothing is a mistake, not a reason to fall back.
let liveKitBin = null;
if (!env.LIVEKIT_URL) {
  try {
    liveKitBin = findLiveKitServer(process.env);
  } catch (err) {
    if (err instanceof LiveKitServerError) fail(err.message);
    throw err;
  }
}

const children = new Map();
let database;
let liveKit;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say("Stopping…");
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await liveKit?.stop();
  await database?.stop();
  say("Stopped.");
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

let databaseUrl = env.DATABASE_URL;
// What web and realtime are given: the embedded server's Unix socket when there is one (cheaper per statement).
let appDatabaseUrl = env.DATABASE_URL;
try {
  if (databaseUrl) {
    say(`Using PostgreSQL at ${redactUrl(databaseUrl)}`);
    await waitForDatabase(databaseUrl, {
      timeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      onWaiting: ({ reason, elapsedMs }) =>
        say(
          `Waiting for PostgreSQL (${reason}); retrying with backoff${elapsedMs ? `, ${Math.round(elapsedMs / 1000)} s so far` : ""}…`,
        ),
    });
  } else {
    const dataDir = path.resolve(root, env.DATA_DIR);
    database = await startEmbeddedPostgres({
      dataDir,
      port: env.EMBEDDED_PG_PORT,
      database: "offshift",
      avoidPorts: [env.PORT, env.REALTIME_PORT],
    });
    databaseUrl = database.url;
    appDatabaseUrl = database.localUrl;
    say(
      `${database.initialised ? "Created" : "Started"} embedded PostgreSQL on 127.0.0.1:${database.port} (data in ${shortPath(path.join(dataDir, "pg"))})`,
    );
  }
  await migrateDeploy(databaseUrl);
  say("Database schema is up to date.");
  if (env.SEED_DEMO_DATA) {
    const db = createDb(databaseUrl, { maxConnections: 2 });
    try {
      if (await seedDemoData(db, { now: new Date(), timeZone: env.ORG_TIMEZONE })) say("Added demo data (first run).");
    } finally {
      await closeDb(db);
    }
  }
  {
    // Sessions 8 weeks ahead, even after a long time switched off.
    const db = createDb(databaseUrl, { maxConnections: 2 });
    try {
      await extendDropInHorizon(db, new Date());
    } finally {
      await closeDb(db);
    }
  }
} catch (err) {
  console.error(`[offshift] ${err instanceof Error ? err.message : String(err)}`);
  await database?.stop();
  process.exit(1);
}

/**
 * Secrets default to values generated on the first run and kept (mode 600) in
 * DATA_DIR/secrets.json, so sign-ins survive restarts. Production sets them.
 */
const secretsFile = path.join(path.resolve(root, env.DATA_DIR), "secrets.json");
function keptSecrets(wanted, generate = () => randomBytes(32).toString("base64url")) {
  let stored = {};
  if (existsSync(secretsFile)) stored = JSON.parse(readFileSync(secretsFile, "utf8"));
  const result = { ...wanted };
  let changed = false;
  for (const name of Object.keys(result)) {
    if (result[name]) continue;
    if (!stored[name]) {
      stored[name] = generate(name);
      changed = true;
    }
    result[name] = stored[name];
  }
  if (changed) {
    mkdirSync(path.dirname(secretsFile), { recursive: true });
    writeFileSync(secretsFile, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
  }
  return result;
}

// Audio. LiveKit carries a drop-in's full capacity; the mesh carries 6 people a
// room. A LiveKit run here listens on loopback only, so it is started only when
// web does too (a phone elsewhere could not reach it).
const loopback = ["127.0.0.1", "localhost", "::1"].includes(env.HOST);
let liveKitEnv = {};
if (env.LIVEKIT_URL) {
  say(`Audio: LiveKit at ${env.LIVEKIT_URL}`);
} else {
  const bin = liveKitBin;
  if (bin && !loopback) {
    say(
      `Audio: built-in mesh (6 people a room). A livekit-server was found, but it runs on loopback only and HOST is ${env.HOST}: for bigger rooms across the network set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET.`,
    );
  } else if (bin) {
    const keys = keptSecrets({ LIVEKIT_LOCAL_API_KEY: undefined, LIVEKIT_LOCAL_API_SECRET: undefined }, (name) =>
      name === "LIVEKIT_LOCAL_API_KEY"
        ? `offshift_${randomBytes(6).toString("hex")}`
        : randomBytes(32).toString("base64url"),
    );
    try {
      liveKit = await prepareLiveKitServer({
        bin,
        dir: path.join(path.resolve(root, env.DATA_DIR), "livekit"),
        apiKey: keys.LIVEKIT_LOCAL_API_KEY,
        apiSecret: keys.LIVEKIT_LOCAL_API_SECRET,
        webhookUrls: [`http://127.0.0.1:${env.REALTIME_PORT}/livekit/webhook`],
        avoidPorts: [env.PORT, env.REALTIME_PORT, ...(database ? [database.port] : [])],
      });
      await liveKit.start();
    } catch (err) {
      console.error(`[offshift] LiveKit could not start: ${err instanceof Error ? err.message : String(err)}`);
      await liveKit?.stop();
      await database?.stop();
      process.exit(1);
    }
    // Like web and realtime, a crashed LiveKit is started again on the same ports and keys;
    // browsers resume or rejoin with a fresh token from realtime.
    liveKit.onCrash = (why) => {
      if (stopping) return;
      console.error(`[offshift] LiveKit exited unexpectedly (${why}); starting it again.`);
      setTimeout(() => {
        if (!stopping) liveKit.start().catch((e) => console.error(`[offshift] LiveKit did not restart: ${e.message}`));
      }, 500);
    };
    liveKitEnv = { LIVEKIT_URL: liveKit.url, LIVEKIT_API_KEY: liveKit.apiKey, LIVEKIT_API_SECRET: liveKit.apiSecret };
    say(
      `Audio: LiveKit ${liveKitServerVersion(bin) ?? ""} on ${liveKit.url} (loopback; log in ${shortPath(liveKit.logFile)}): rooms hold their full capacity.`,
    );
  } else {
    say(
      "Audio: built-in mesh, up to 6 people a room. For drop-ins of 12 run `npm run livekit:build` once (needs Go), or set LIVEKIT_URL.",
    );
  }
}

/** A VAPID key pair for Web Push (P-256, base64url as web-push and browsers use them). */
function vapidKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    VAPID_PUBLIC_KEY: ecdh.getPublicKey().toString("base64url"),
    // getPrivateKey() drops leading zero bytes (about 1 in 256 keys); push services need all 32.
    VAPID_PRIVATE_KEY: Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()])
      .subarray(-32)
      .toString("base64url"),
  };
}
// Both kept or both set: a pair generated once is stored whole (keptSecrets stores each missing name).
const vapid = vapidKeys();
const common = {
  ...keptSecrets({ AUTH_SECRET: env.AUTH_SECRET, REALTIME_TICKET_SECRET: env.REALTIME_TICKET_SECRET }),
  ...(env.VAPID_PUBLIC_KEY
    ? { VAPID_PUBLIC_KEY: env.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: env.VAPID_PRIVATE_KEY }
    : keptSecrets({ VAPID_PUBLIC_KEY: undefined, VAPID_PRIVATE_KEY: undefined }, (name) => vapid[name])),
  VAPID_SUBJECT: env.VAPID_SUBJECT,
  ...liveKitEnv,
  ...(env.SMTP_URL ? { SMTP_URL: env.SMTP_URL } : {}),
  ...(env.MAIL_FROM ? { MAIL_FROM: env.MAIL_FROM } : {}),
  // The build is always the production build; NODE_ENV=production is the
  // deployment posture (Secure cookies, HSTS, SMTP required), which plain
  // http://localhost cannot meet, so it is only set when asked for.
  NODE_ENV: dev ? "development" : env.NODE_ENV,
  DATABASE_URL: appDatabaseUrl,
  HOST: env.HOST,
  LOG_LEVEL: env.LOG_LEVEL,
  ORG_TIMEZONE: env.ORG_TIMEZONE,
  REALTIME_PORT: String(env.REALTIME_PORT),
  ...(env.PUBLIC_REALTIME_URL ? { PUBLIC_REALTIME_URL: env.PUBLIC_REALTIME_URL } : {}),
};

// Once running, a crashed web or realtime process is started again (its state
// is all in PostgreSQL; browsers reconnect on their own). A crash during
// start-up, or more than 5 crashes in a minute, stops everything instead.
let started = false;
const crashes = new Map();
function launch(name, command, commandArgs, extraEnv, cwd = root) {
  const child = spawn(command, commandArgs, { cwd, stdio: "inherit", env: { ...process.env, ...common, ...extraEnv } });
  children.set(name, child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    const why = signal ?? `code ${code}`;
    const recent = [...(crashes.get(name) ?? []), Date.now()].filter((t) => Date.now() - t < 60_000);
    crashes.set(name, recent);
    if (!started || recent.length > 5) {
      console.error(`[offshift] ${name} exited unexpectedly (${why}); stopping.`);
      void stop(1);
      return;
    }
    console.error(`[offshift] ${name} exited unexpectedly (${why}); starting it again.`);
    setTimeout(() => {
      if (!stopping) launch(name, command, commandArgs, extraEnv, cwd);
    }, 250);
  });
  return child;
}

// adapter-node assumes https unless told the origin; form posts and sign-in links use it.
const origin = env.ORIGIN ?? `http://localhost:${env.PORT}`;
if (dev) {
  launch(
    "realtime",
    process.execPath,
    [installed(path.join(root, "apps/realtime"), "tsx/dist/cli.mjs"), "watch", "src/main.ts"],
    // Realtime's jobs send reminder and room-alert mail with links to web.
    { PORT: String(env.REALTIME_PORT), ORIGIN: origin },
    path.join(root, "apps/realtime"),
  );
  launch(
    "web",
    process.execPath,
    [
      installed(path.join(root, "apps/web"), "vite/bin/vite.js"),
      "dev",
      "--port",
      String(env.PORT),
      "--strictPort",
      "--host",
      env.HOST,
    ],
    // Web hands browsers the public VAPID key only; the private one stays with realtime.
    { ORIGIN: origin, VAPID_PRIVATE_KEY: "" },
    path.join(root, "apps/web"),
  );
} else {
  launch("realtime", process.execPath, ["apps/realtime/dist/main.js"], {
    PORT: String(env.REALTIME_PORT),
    ORIGIN: origin,
  });
  launch("web", process.execPath, ["apps/web/build/index.js"], {
    PORT: String(env.PORT),
    ORIGIN: origin,
    VAPID_PRIVATE_KEY: "", // web hands browsers the public key only; the private one stays with realtime
  });
}

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}
const local = (port) => `http://${env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST}:${port}`;
const deadline = Date.now() + 120_000;
while (!stopping) {
  const [web, rt] = await Promise.all([
    answers(`${local(env.PORT)}/healthz`),
    answers(`${local(env.REALTIME_PORT)}/healthz`),
  ]);
  if (web && rt) break;
  if (Date.now() > deadline) {
    console.error("[offshift] web or realtime did not become healthy within 2 minutes; stopping.");
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}
if (!stopping) {
  started = true;
  say(`Offshift is running at ${local(env.PORT)}  (Ctrl-C to stop)`);
  if (database) void watchEmbeddedDatabase();
}

/**
 * The embedded PostgreSQL is watched like the other processes: when it stops
 * answering (two checks in a row, about 4 s), it is killed and started again on
 * the same port and data. Web and realtime stay up meanwhile (their readiness
 * says the database is down) and reconnect on their own.
 */
async function watchEmbeddedDatabase() {
  let failures = 0;
  while (!stopping) {
    await new Promise((r) => setTimeout(r, 1500));
    if (stopping) return;
    const answer = await canConnect(databaseUrl, 2000);
    failures = answer.ok ? 0 : failures + 1;
    if (failures < 2 || stopping) continue;
    console.error(`[offshift] PostgreSQL stopped answering (${answer.reason}); starting it again.`);
    try {
      await database.kill();
      database = await startEmbeddedPostgres({
        dataDir: path.resolve(root, env.DATA_DIR),
        port: database.port,
        database: "offshift",
      });
      failures = 0;
      say("PostgreSQL is back.");
    } catch (err) {
      console.error(`[offshift] PostgreSQL did not start again: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
