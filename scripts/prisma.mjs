#!/usr/bin/env node
// Runs the Prisma CLI from the repository root (where prisma.config.ts is).
// Prisma 6 reads DATABASE_URL while parsing the schema even for commands that
// never connect (generate, offline diff), so a stand-in URL is supplied for those.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = createRequire(path.join(root, "packages/db/package.json")).resolve("prisma/build/index.js");
const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
env.DATABASE_URL ||= "postgresql://offline@127.0.0.1:1/offline";
const args = process.argv.slice(2);
const preload = path.join(root, "packages/launcher/prisma-cli-preload.cjs");
const result = spawnSync(process.execPath, ["-r", preload, cli, ...args], { cwd: root, env, stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);

if (args[0] === "generate") {
  // prisma/orm#29549: with TypeScript 6 and `declaration: true`, the generated
  // DbNull/JsonNull/AnyNull constants fail declaration emit (TS4094). Give
  // them an explicit type, as the proposed upstream fix does.
  const dir = path.join(root, "packages/db/src/generated/prisma/internal");
  for (const file of existsSync(dir) ? readdirSync(dir) : []) {
    const full = path.join(dir, file);
    const text = readFileSync(full, "utf8");
    const patched = text.replace(
      /^export const (DbNull|JsonNull|AnyNull) = runtime\.objectEnumValues\.instances\.\1$/gm,
      "export const $1: object = runtime.objectEnumValues.instances.$1",
    );
    if (patched !== text) writeFileSync(full, patched);
  }
}
