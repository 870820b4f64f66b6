import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Pages, page data and calendar feeds: text worth compressing for phones on slow data. */
const COMPRESSIBLE = /^(text\/html|application\/json|text\/calendar|application\/javascript)\b/;
const MIN_BYTES = 1024;

/**
 * Compresses dynamic responses (adapter-node serves the built assets already
 * precompressed, but not the pages themselves). Brotli when the browser
 * accepts it (quality 5: most of the gain, a fraction of a millisecond per
 * page), else gzip.
 */
export async function compressResponse(request: Request, response: Response): Promise<Response> {
  const type = response.headers.get("content-type") ?? "";
  if (!response.body || response.headers.has("content-encoding") || !COMPRESSIBLE.test(type)) return response;
  if (request.method === "HEAD" || response.status === 204 || response.status === 304) return response;
  const encoding = encodingFor(request);
  if (!encoding) return response;
  const raw = Buffer.from(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.append("vary", "Accept-Encoding");
  if (raw.length < MIN_BYTES)
    return new Response(raw, { status: response.status, statusText: response.statusText, headers });
  const body = await compressOnce(raw, encoding);
  headers.set("content-encoding", encoding);
  headers.delete("content-length");
  return new Response(bytes(body), { status: response.status, statusText: response.statusText, headers });
}

/**
 * The same bytes compress to the same bytes: Tonight for everyone without a
 * nickname is one page until something changes (or the clock moves a label), and
 * compressing it was the largest single cost of serving it (a tenth of the web
 * process's time under load). Recent results are kept by their content's hash;
 * a page that differs in one byte (another person's) is compressed afresh.
 * Concurrent requests for the same bytes share one compression.
 */
const KEPT_ENTRIES = 32;
const KEPT_MAX_BYTES = 256 * 1024;
const kept = new Map<string, Promise<Buffer>>();

export function compressOnce(raw: Buffer, encoding: Encoding): Promise<Buffer> {
  if (raw.length > KEPT_MAX_BYTES) return compress(raw, encoding);
  const key = `${encoding} ${createHash("sha256").update(raw).digest("base64")}`;
  const known = kept.get(key);
  if (known) {
    // Most recently used last: the oldest goes first.
    kept.delete(key);
    kept.set(key, known);
    return known;
  }
  const body = compress(raw, encoding);
  kept.set(key, body);
  body.catch(() => kept.delete(key));
  if (kept.size > KEPT_ENTRIES) kept.delete(kept.keys().next().value!);
  return body;
}

/** A Buffer as the Uint8Array a Response takes, without copying it. */
export const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength) as Uint8Array<ArrayBuffer>;

export type Encoding = "br" | "gzip";

/** Brotli when the browser accepts it, else gzip, else none. */
export function encodingFor(request: Request): Encoding | null {
  const accepts = request.headers.get("accept-encoding") ?? "";
  return /\bbr\b/.test(accepts) ? "br" : /\bgzip\b/.test(accepts) ? "gzip" : null;
}

export function compress(raw: Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === "br"
    ? brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
    : gz(raw, { level: 6 });
}
