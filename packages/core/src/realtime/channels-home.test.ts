import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// ESLint's no-restricted-syntax catches `person:${…}` and "person:" + … in source files; this also
// reads tests, Svelte files and SQL text (a 'person:' || … or LIKE 'guest:%' in a query), so an
// identity string built or matched by hand anywhere fails here with its file and line.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const HOME = "packages/core/src/realtime/channels.ts";
/** Files that may spell these strings: the module, its own tests, and a test that writes the old stored shape. */
const ALLOWED = new Set([
  HOME,
  "packages/core/src/realtime/channels.test.ts",
  "packages/core/src/realtime/channels-home.test.ts",
  "packages/core/src/realtime/ticket.test.ts",
  "packages/db/src/talk/identity-migration.integration.test.ts",
]);
const SKIP = new Set(["node_modules", "generated", "dist", "build", ".svelte-kit", ".turbo", "migrations", "data"]);

/** `person:${…}` (a template that builds one), or a quoted "person:" / 'guest:%' / `visitor:` standing alone. */
export const BUILDS_IDENTITY = /\b(person|guest|visitor):\$\{|["'`](person|guest|visitor):[%"'`]/;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|js|mjs|svelte)$/.test(entry.name)) yield full;
  }
}

describe("identity and channel names have one home", () => {
  it("recognises a hand-built identity string in its usual forms", () => {
    for (const bad of [
      "const key = `person:${id}`;",
      "io.to(`guest:${g}`)",
      'const k = "person:" + id;',
      `sql\`SELECT 'guest:' || "id" FROM "Guest"\``,
      `WHERE "requesterKey" LIKE 'guest:%'`,
    ])
      expect(bad).toMatch(BUILDS_IDENTITY);
    for (const fine of ['/** "guest:<id>" / "person:<id>" */', "personChannel(id)", "{ person: null, guest: g }"])
      expect(fine).not.toMatch(BUILDS_IDENTITY);
  });

  it(`is ${HOME}: no other file in apps, packages, tests, bench or scripts builds one`, () => {
    const found: string[] = [];
    for (const top of ["apps", "packages", "tests", "bench", "scripts"]) {
      for (const file of sourceFiles(path.join(root, top))) {
        const rel = path.relative(root, file).split(path.sep).join("/");
        if (ALLOWED.has(rel)) continue;
        readFileSync(file, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (BUILDS_IDENTITY.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(found).toEqual([]);
  });
});
