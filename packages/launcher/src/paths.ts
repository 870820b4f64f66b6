import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the folder holding prisma.config.ts. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "prisma.config.ts"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("Could not find the Offshift repository root (prisma.config.ts)");
    dir = parent;
  }
}
