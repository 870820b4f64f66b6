import net from "node:net";

/**
 * Where free ports are picked: below the range the system hands out by itself
 * (Linux 32768–60999, BSD and macOS from 49152) for every `listen(0)` and every
 * outgoing connection. A port from that range, free a moment ago, can be taken
 * by any of those before the process it was picked for binds it (CI saw
 * LiveKit fail with "bind: address already in use" while the test suites ran
 * side by side); here only another explicit choice could take it.
 */
export const PICKED_PORTS = { from: 20_000, to: 32_000 } as const;

/** A port that is free right now on `host`, picked at random from PICKED_PORTS (none in `avoid`). */
export async function freePort(host = "127.0.0.1", avoid: readonly number[] = []): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = PICKED_PORTS.from + Math.floor(Math.random() * (PICKED_PORTS.to - PICKED_PORTS.from));
    if (!avoid.includes(port) && (await portFree(port, host))) return port;
  }
  throw new Error(`No free port on ${host} between ${PICKED_PORTS.from} and ${PICKED_PORTS.to}.`);
}

/** Whether `port` can be bound on `host` right now. */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
