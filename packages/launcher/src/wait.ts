import pg from "pg";

export interface WaitOptions {
  timeoutMs: number;
  /** Called once when the first attempt fails, then at most every 10 s. */
  onWaiting?: (info: { attempt: number; elapsedMs: number; reason: string }) => void;
  signal?: AbortSignal;
}

/** Redacts the password so URLs can be printed. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "****";
    return url.toString();
  } catch {
    return "(unparseable URL)";
  }
}

export async function canConnect(
  databaseUrl: string,
  timeoutMs = 3000,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message || err.name : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Waits for the database with exponential backoff (250 ms doubling to 5 s),
 * reporting sparingly so a down database does not flood the terminal.
 */
export async function waitForDatabase(databaseUrl: string, options: WaitOptions): Promise<void> {
  const started = Date.now();
  let delay = 250;
  let lastReport = -Infinity;
  for (let attempt = 1; ; attempt++) {
    const result = await canConnect(databaseUrl);
    if (result.ok) return;
    const elapsedMs = Date.now() - started;
    if (elapsedMs >= options.timeoutMs) {
      throw new Error(
        `Could not reach the database at ${redactUrl(databaseUrl)} after ${Math.round(elapsedMs / 1000)} s: ${result.reason}`,
      );
    }
    if (elapsedMs - lastReport >= 10_000) {
      lastReport = elapsedMs;
      options.onWaiting?.({ attempt, elapsedMs, reason: result.reason });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, options.timeoutMs - elapsedMs)));
    if (options.signal?.aborted) throw new Error("Stopped while waiting for the database");
    delay = Math.min(delay * 2, 5000);
  }
}
