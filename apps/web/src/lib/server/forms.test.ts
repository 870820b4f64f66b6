import { describe, expect, it } from "vitest";
import { safeNext } from "./forms.js";

describe("safeNext: where a form may send someone afterwards", () => {
  it("keeps a path on this site, with its query", () => {
    expect(safeNext("/rota")).toBe("/rota");
    expect(safeNext("/sessions/5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b?reminder=set-series")).toBe(
      "/sessions/5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b?reminder=set-series",
    );
  });

  it("sends anything else home: other sites, protocol-relative and backslash tricks, scripts, odd types", () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
      "rota",
      "/rota#x",
      "/a b",
      `/${"a".repeat(300)}`,
      undefined,
      null,
      42,
      ["/rota"],
    ])
      expect(safeNext(next)).toBe("/");
  });
});
