import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sameJson } from "./same.js";

/** JSON text with every object's keys in one order: equal for values JSON calls the same. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : value,
  );

// Values as room states are: objects, arrays, strings, finite numbers, booleans, null, and absent (undefined) fields.
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, 1, "", "a"),
    fc.integer(),
    fc.string({ maxLength: 4 }),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("id", "name", "muted", "hands", "x"), fc.oneof(tie("v"), fc.constant(undefined)), {
      maxKeys: 4,
    }),
  ),
})).v;

describe("sameJson", () => {
  it("answers as comparing the JSON text of both would (keys in any order)", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(canonical(a) === canonical(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("a value is the same as its copy, and a copy with one leaf changed is not", () => {
    fc.assert(
      fc.property(value, (a) => {
        const copy = JSON.parse(JSON.stringify(a ?? null)) as unknown;
        expect(sameJson(a ?? null, copy)).toBe(true);
        expect(sameJson({ v: a ?? null }, { v: a ?? null, extra: 1 })).toBe(false);
        expect(sameJson([a ?? null], [a ?? null, null])).toBe(false);
      }),
    );
  });

  it("tells apart what JSON tells apart", () => {
    expect(sameJson({ a: 1 }, { a: "1" })).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson({ a: undefined }, {})).toBe(true);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});
