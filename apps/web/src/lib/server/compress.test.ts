import { describe, expect, it } from "vitest";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { compressOnce } from "./compress.js";

const page = (n: number) => Buffer.from(`<!doctype html><p>${"Tonight ".repeat(400)} ${n}</p>`);

describe("compressOnce", () => {
  it("compresses the same bytes once and answers the same result after that", async () => {
    const first = compressOnce(page(1), "br");
    expect(compressOnce(page(1), "br")).toBe(first);
    expect(brotliDecompressSync(await first).equals(page(1))).toBe(true);
  });

  it("never answers one page's bytes for another, nor one encoding's for another", async () => {
    const [a, b, gz] = await Promise.all([
      compressOnce(page(2), "br"),
      compressOnce(page(3), "br"),
      compressOnce(page(2), "gzip"),
    ]);
    expect(brotliDecompressSync(a).equals(page(2))).toBe(true);
    expect(brotliDecompressSync(b).equals(page(3))).toBe(true);
    expect(gunzipSync(gz).equals(page(2))).toBe(true);
  });

  it("keeps only recent results: the oldest is compressed afresh", async () => {
    const oldest = compressOnce(page(100), "br");
    for (let i = 101; i < 140; i++) await compressOnce(page(i), "br");
    const again = compressOnce(page(100), "br");
    expect(again).not.toBe(oldest);
    expect(brotliDecompressSync(await again).equals(page(100))).toBe(true);
  });
});
