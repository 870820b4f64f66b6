import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Each source file (tests and test helpers aside) and the local modules it imports, types included. */
function graph(): Map<string, string[]> {
  const files = readdirSync(here).filter((f) => f.endsWith(".ts") && !f.includes(".test.") && !f.startsWith("test-"));
  const g = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(path.join(here, f), "utf8");
    const deps = [...text.matchAll(/from "\.\/([\w-]+)\.js"/g)].map((m) => `${m[1]}.ts`);
    g.set(f, [...new Set(deps)]);
  }
  return g;
}

describe("apps/realtime layering", () => {
  it("has no import cycle: handlers take what they share from deps.ts, never from server.ts", () => {
    const g = graph();
    const cycles: string[] = [];
    const walk = (file: string, trail: string[]) => {
      if (trail.includes(file)) {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(" → "));
        return;
      }
      for (const d of g.get(file) ?? []) walk(d, [...trail, file]);
    };
    for (const f of g.keys()) walk(f, []);
    expect(cycles).toEqual([]);
  });

  it("registers every socket command through one pipeline (commands.ts)", () => {
    for (const f of ["rooms.ts", "talk.ts"]) {
      const text = readFileSync(path.join(here, f), "utf8");
      expect(text).toContain("registerCommands(socket,");
      // The rate limit, the gate and the busy answer live in the pipeline only.
      expect(text).not.toMatch(/gate\.run\(|=== BUSY/);
    }
  });

  it("queries no table itself: both apps call the data package's use cases and reads (no Prisma model calls)", () => {
    const apps = path.resolve(here, "../..");
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return sources(p);
        return /\.(ts|svelte)$/.test(e.name) && !/\.test\.|^test-/.test(e.name) ? [p] : [];
      });
    const model =
      /\bdb\.[a-z]\w*\.(find\w*|create\w*|update\w*|delete\w*|upsert|count|aggregate|groupBy)\(|\$queryRaw|\$executeRaw/;
    const found = [path.join(apps, "realtime/src"), path.join(apps, "web/src")].flatMap(sources).flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .map((line, i) => (model.test(line) ? `${path.relative(apps, f)}:${i + 1}: ${line.trim()}` : null))
        .filter((x): x is string => x !== null),
    );
    // The check itself: it must see such a call where there is one.
    expect(model.test("await db.roomPresence.deleteMany({ where: {} });")).toBe(true);
    expect(found).toEqual([]);
  });
});
