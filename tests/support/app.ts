import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@offshift/launcher";

export { freePort };

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `offshift-${label}-`));
}

export interface RunningApp {
  url: string;
  realtimeUrl: string;
  process: ChildProcess;
  output(): string;
  /** Sends a signal and resolves with the exit code once the launcher has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the launcher exactly as `npm start` does (the build is done once by turbo beforehand). */
export function launch(env: Record<string, string>): {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [path.join(repoRoot, "scripts/start.mjs"), "--no-build"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  // A port found free can be taken by another process before the app binds it (other test
  // tiers run beside this one): with ports of our own choosing, try again with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAppOnce(env);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes("EADDRINUSE");
      if (!portTaken || env.PORT || env.REALTIME_PORT || attempt === 3) throw error;
    }
  }
}

async function startAppOnce(env: Record<string, string>): Promise<RunningApp> {
  const port = Number(env.PORT ?? (await freePort()));
  let realtimePort = Number(env.REALTIME_PORT ?? (await freePort()));
  while (realtimePort === port) realtimePort = await freePort();
  // The built-in mesh unless a test asks for LiveKit (LIVEKIT_SERVER_BIN or LIVEKIT_URL), whatever this machine has.
  const run = launch({
    PORT: String(port),
    REALTIME_PORT: String(realtimePort),
    HOST: "127.0.0.1",
    ...(env.LIVEKIT_URL ? {} : { LIVEKIT_SERVER_BIN: "off" }),
    ...env,
  });
  const deadline = Date.now() + 90_000;
  while (!run.output().includes("Offshift is running at")) {
    if (run.process.exitCode !== null) throw new Error(`the app exited during start-up:\n${run.output()}`);
    if (Date.now() > deadline) {
      run.process.kill("SIGKILL");
      throw new Error(`the app did not start within 90 s:\n${run.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://localhost:${port}`,
    realtimeUrl: `http://localhost:${realtimePort}`,
    process: run.process,
    output: run.output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (run.process.exitCode === null) run.process.kill(signal);
      return run.exited;
    },
  };
}

/** Every process below `pid`, found by walking /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}
