import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { repoRoot } from "./paths.js";

const require = createRequire(import.meta.url);

/** Runs a Prisma CLI command from the repository root (where prisma.config.ts lives). */
export function runPrismaCli(args: string[], databaseUrl: string): Promise<{ code: number; output: string }> {
  const cli = require.resolve("prisma/build/index.js");
  const preload = require.resolve("../prisma-cli-preload.cjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", preload, cli, ...args], {
      cwd: repoRoot(),
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** `prisma migrate deploy`: the one way migrations are applied, everywhere. */
export async function migrateDeploy(databaseUrl: string): Promise<string> {
  const { code, output } = await runPrismaCli(["migrate", "deploy"], databaseUrl);
  if (code !== 0) throw new Error(`prisma migrate deploy failed:\n${output.trim()}`);
  return output;
}
