import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { accessSync, constants, createWriteStream, mkdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, portFree } from "./ports.js";

/**
 * The real LiveKit server (an SFU written in Go) on loopback, for one machine
 * and for tests. It is built from its Go module by `npm run livekit:build`
 * (scripts/livekit-build.mjs); nothing of it lives in this repository.
 */

/** The version `npm run livekit:build` and CI build. Newer tags replace pion modules with forks the Go proxy does not serve. */
export const LIVEKIT_SERVER_VERSION = "v1.13.5";

/** One line for a person who does not have the binary: how to get it. */
export const LIVEKIT_SERVER_HOW_TO =
  "Build it once with `npm run livekit:build` (needs Go 1.26; about 2 minutes), or set LIVEKIT_SERVER_BIN to a livekit-server binary.";

export class LiveKitServerError extends Error {
  override name = "LiveKitServerError";
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Go's bin folder: GOBIN, else GOPATH/bin (go's default GOPATH is ~/go). */
export function goBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOBIN) return env.GOBIN;
  const gopath = (env.GOPATH ?? "").split(path.delimiter).find(Boolean);
  return path.join(gopath ?? path.join(os.homedir(), "go"), "bin");
}

/**
 * Where the livekit-server binary is: LIVEKIT_SERVER_BIN (which must then
 * exist; a wrong path is an error, not a quiet fall-back to the mesh; `off`
 * means never run one here), else `livekit-server` on PATH, else Go's bin
 * folder. Null when none is found.
 */
export function findLiveKitServer(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.LIVEKIT_SERVER_BIN;
  if (configured === "off") return null;
  if (configured !== undefined && configured !== "") {
    const file = path.resolve(configured);
    if (!executable(file)) {
      throw new LiveKitServerError(
        `LIVEKIT_SERVER_BIN is ${configured}, but there is no executable file there. ${LIVEKIT_SERVER_HOW_TO}`,
      );
    }
    return file;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, "livekit-server");
    if (executable(file)) return file;
  }
  const fromGo = path.join(goBinDir(env), "livekit-server");
  return executable(fromGo) ? fromGo : null;
}

/** The version a binary reports (`livekit-server --version`), or null if it will not run. */
export function liveKitServerVersion(bin: string): string | null {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const m = /version\s+v?(\d+\.\d+\.\d+)/.exec(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  return r.status === 0 && m ? `v${m[1]}` : null;
}

function udpPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on host (the SFU's signal/TCP ports and its UDP mux). */
async function freeTcpAndUdpPort(host: string, avoid: number[]): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort(host, avoid);
    if (await udpPortFree(port, host)) return port;
  }
  throw new LiveKitServerError("Could not find a free port for the LiveKit server on loopback.");
}

export interface LiveKitServerOptions {
  /** The livekit-server binary (see findLiveKitServer). */
  bin: string;
  /** Folder for its config file and log (created if missing). */
  dir: string;
  /** Interface to bind (default loopback): media and signalling stay on this machine. */
  host?: string;
  /** Fixed ports; each 0 or unset: a free one is chosen once and kept across restarts. */
  port?: number;
  tcpPort?: number;
  udpPort?: number;
  /** ICE over TCP on `tcpPort` for clients whose UDP is blocked (default true); false: UDP only (tcp_port 0). */
  iceTcp?: boolean;
  /** Generated when unset (a random key and a 43-character secret). */
  apiKey?: string;
  apiSecret?: string;
  /** Where the server posts its signed webhooks (realtime's /livekit/webhook). */
  webhookUrls?: string[];
  /** debug | info | warn | error (default warn). */
  logLevel?: string;
  /** Ports the chosen ones must not take (e.g. web and realtime's). */
  avoidPorts?: number[];
}

export interface LiveKitServerHandle {
  /** What clients and LIVEKIT_URL use: ws://host:port. */
  readonly url: string;
  /** RoomService (Twirp) base: http://host:port. */
  readonly httpUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly port: number;
  /** Where its log goes. */
  readonly logFile: string;
  /** Where it posts its signed webhooks; may be set until start() (e.g. once realtime has its port). */
  webhookUrls: string[];
  /** Starts (or starts again, same ports and keys) and resolves once it answers. */
  start(options?: { timeoutMs?: number }): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once (fault tests); resolves when the process is gone. */
  kill(): Promise<void>;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Called when the process exits without stop() or kill() (a crash). */
  onCrash?: (why: string) => void;
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/** The config file: loopback only, one UDP port, no external IP discovery (no STUN), webhooks signed with the key. */
export function liveKitConfig(o: {
  host: string;
  port: number;
  tcpPort: number;
  udpPort: number;
  apiKey: string;
  apiSecret: string;
  webhookUrls: string[];
  logLevel: string;
}): string {
  const lines = [
    `port: ${o.port}`,
    `bind_addresses: [${yamlString(o.host)}]`,
    "rtc:",
    `  tcp_port: ${o.tcpPort}`,
    `  udp_port: ${o.udpPort}`,
    "  use_external_ip: false",
    `  node_ip: ${yamlString(o.host)}`,
    "  enable_loopback_candidate: true",
    "keys:",
    `  ${yamlString(o.apiKey)}: ${yamlString(o.apiSecret)}`,
    "room:",
    // A room whose last member left is closed after 20 s; one nobody joined after 5 minutes.
    "  empty_timeout: 300",
    "  departure_timeout: 20",
    "logging:",
    `  level: ${o.logLevel}`,
  ];
  if (o.webhookUrls.length > 0) {
    lines.push("webhook:", `  api_key: ${yamlString(o.apiKey)}`, "  urls:");
    for (const url of o.webhookUrls) lines.push(`    - ${yamlString(url)}`);
  }
  return lines.join("\n") + "\n";
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Prepares a LiveKit server on loopback: chooses its ports and keys, without
 * starting it (so its URL can be handed to realtime first, and realtime's
 * webhook URL to it). start() writes its config and runs it.
 * Call start() to run it; stop() or kill() to end it; start() again reuses it all.
 */
export async function prepareLiveKitServer(options: LiveKitServerOptions): Promise<LiveKitServerHandle> {
  if (!executable(options.bin)) {
    throw new LiveKitServerError(`There is no executable livekit-server at ${options.bin}. ${LIVEKIT_SERVER_HOW_TO}`);
  }
  const host = options.host ?? "127.0.0.1";
  const avoid = [...(options.avoidPorts ?? [])];
  const pick = async (wanted: number | undefined, name: string) => {
    if (wanted) {
      if (!(await portFree(wanted, host))) {
        throw new LiveKitServerError(`The LiveKit ${name} port ${wanted} is already in use on ${host}.`);
      }
      avoid.push(wanted);
      return wanted;
    }
    const p = await freeTcpAndUdpPort(host, avoid);
    avoid.push(p);
    return p;
  };
  const port = await pick(options.port, "HTTP");
  const tcpPort = options.iceTcp === false ? 0 : await pick(options.tcpPort, "TCP");
  const udpPort = await pick(options.udpPort, "UDP");
  const apiKey = options.apiKey ?? `offshift_${randomBytes(6).toString("hex")}`;
  const apiSecret = options.apiSecret ?? randomBytes(32).toString("base64url");
  if (apiSecret.length < 32) throw new LiveKitServerError("The LiveKit API secret must be at least 32 characters.");
  mkdirSync(options.dir, { recursive: true });
  const configFile = path.join(options.dir, "livekit.yaml");
  const logFile = path.join(options.dir, "livekit.log");
  const writeConfig = () =>
    writeFileSync(
      configFile,
      liveKitConfig({
        host,
        port,
        tcpPort,
        udpPort,
        apiKey,
        apiSecret,
        webhookUrls: handle.webhookUrls,
        logLevel: options.logLevel ?? "warn",
      }),
      { mode: 0o600 },
    );

  const httpUrl = `http://${host}:${port}`;
  let child: ChildProcess | undefined;
  let ending = false;
  let recent = "";

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once("exit", () => resolve()));

  const handle: LiveKitServerHandle = {
    url: `ws://${host}:${port}`,
    httpUrl,
    apiKey,
    apiSecret,
    port,
    logFile,
    webhookUrls: [...(options.webhookUrls ?? [])],
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start({ timeoutMs = 30_000 } = {}) {
      if (handle.running) return;
      ending = false;
      recent = "";
      writeConfig();
      const log = createWriteStream(logFile, { flags: "a" });
      const c = spawn(options.bin, ["--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
      child = c;
      const keep = (d: Buffer) => {
        log.write(d);
        recent = (recent + d.toString()).slice(-4000);
      };
      c.stdout!.on("data", keep);
      c.stderr!.on("data", keep);
      c.once("exit", (code, signal) => {
        log.end();
        if (!ending) handle.onCrash?.(signal ?? `code ${code}`);
      });
      const deadline = Date.now() + timeoutMs;
      while (!(await answers(`${httpUrl}/`))) {
        if (c.exitCode !== null || c.signalCode !== null) {
          throw new LiveKitServerError(
            `livekit-server exited while starting (${c.signalCode ?? `code ${c.exitCode}`}):\n${recent.trim()}`,
          );
        }
        if (Date.now() > deadline) {
          ending = true;
          c.kill("SIGKILL");
          await exited(c);
          throw new LiveKitServerError(
            `livekit-server did not answer on ${httpUrl} within ${Math.round(timeoutMs / 1000)} s:\n${recent.trim()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const c = child;
      if (!c || !handle.running) return;
      ending = true;
      const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
      c.kill("SIGTERM");
      await exited(c);
      clearTimeout(timer);
    },
    async kill() {
      const c = child;
      if (!c || !handle.running) return;
      ending = true;
      c.kill("SIGKILL");
      await exited(c);
    },
  };
  return handle;
}

/** prepareLiveKitServer, then start. */
export async function startLiveKitServer(options: LiveKitServerOptions): Promise<LiveKitServerHandle> {
  const handle = await prepareLiveKitServer(options);
  await handle.start();
  return handle;
}
