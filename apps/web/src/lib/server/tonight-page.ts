import type { RequestEvent } from "@sveltejs/kit";
import { now as clockNow } from "./clock.js";
import { bytes, encodingFor } from "./compress.js";
import { env } from "./env.js";
import { dropInChanges } from "./tonight.js";

/**
 * Tonight as a visitor sees it (no nickname, no account) is one page for
 * everyone until a drop-in changes: the same bytes for each theme and
 * encoding. The finished response is kept, as tonight.ts keeps the data it is
 * made from: for TONIGHT_CACHE_MS at most (real time, and by the page's own
 * clock), and dropped by any change this process hears of (the same change
 * count, taken before the page is made, so a page made while a change arrived
 * is never kept as current). What is per response stays per response: a new
 * visitor's browser-key cookie is added to each.
 */
interface Kept {
  generation: number;
  /** The page's clock when it was begun (ms). */
  from: number;
  /** performance.now() when it was begun. */
  madeAt: number;
  status: number;
  headers: [string, string][];
  body: Buffer;
}

const kept = new Map<string, Kept>();

/** The key of a request for the visitor's Tonight, or null for anything else. */
export function visitorTonightKey(event: RequestEvent, theme: string): string | null {
  if (event.request.method !== "GET" || event.url.pathname !== "/" || event.url.search !== "") return null;
  if (event.locals.actor.kind !== "visitor") return null;
  if (env().TONIGHT_CACHE_MS === 0) return null;
  return `${theme} ${encodingFor(event.request) ?? "identity"}`;
}

/** The kept page for this key if it is still current; `setCookies` are this response's own cookies. */
export function keptTonight(key: string, setCookies: readonly string[]): Response | null {
  const k = kept.get(key);
  if (!k) return null;
  const ttl = env().TONIGHT_CACHE_MS;
  const age = clockNow().getTime() - k.from;
  if (k.generation !== dropInChanges() || age < 0 || age >= ttl || performance.now() - k.madeAt >= ttl) {
    kept.delete(key);
    return null;
  }
  const headers = new Headers(k.headers);
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return new Response(bytes(k.body), { status: k.status, headers });
}

/**
 * What to take before making the page (see `keepTonight`): the change count, and
 * the page's clock (and the real time). All before: a page is kept as what it was made from, never
 * as of a later moment. (Taking the clock once the page was made kept a page
 * begun at 19:00 as a 21:52 page when the clock moved while it was being made,
 * and served it as current: Tonight at 21:52 without "Starting soon".)
 */
export type TonightMark = Pick<Kept, "generation" | "from" | "madeAt">;
export const tonightMark = (): TonightMark => ({
  generation: dropInChanges(),
  from: clockNow().getTime(),
  madeAt: performance.now(),
});

/**
 * Keeps a finished 200 response for this key, made from what `mark` (taken
 * before it was made) says, and returns it to send. Its cookies are not kept.
 */
export async function keepTonight(key: string, mark: TonightMark, response: Response): Promise<Response> {
  if (response.status !== 200 || !response.body) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const headers = [...response.headers].filter(([name]) => name.toLowerCase() !== "set-cookie");
  kept.set(key, { ...mark, status: 200, headers, body });
  return new Response(bytes(body), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
