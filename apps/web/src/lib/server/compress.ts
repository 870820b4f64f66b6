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
  const accepts = request.headers.get("accept-encoding") ?? "";
  const encoding = /\bbr\b/.test(accepts) ? "br" : /\bgzip\b/.test(accepts) ? "gzip" : null;
  if (!encoding) return response;
  const raw = Buffer.from(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.append("vary", "Accept-Encoding");
  if (raw.length < MIN_BYTES)
    return new Response(raw, { status: response.status, statusText: response.statusText, headers });
  const body =
    encoding === "br"
      ? await brotli(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        })
      : await gz(raw, { level: 6 });
  headers.set("content-encoding", encoding);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
