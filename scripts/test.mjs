#!/usr/bin/env node
// `npm test`: lint, type checks and every test tier through turbo, then one
// summary line from the Vitest JSON reports: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = path.join(root, ".reports");
const expected = ["core", "db", "realtime", "e2e"];
rmSync(reports, { recursive: true, force: true });

const turbo = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules/turbo/bin/turbo"),
    "run",
    "format:check",
    "lint",
    "check",
    "test",
    "--concurrency=2",
    "--continue",
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" } },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const name of expected) {
  const file = path.join(reports, `${name}.json`);
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A file that failed to load counts as a failure even if it reported no test.
  failed += (r.testResults ?? []).filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
}
console.log("");
if (missing.length) console.log(`Test reports missing (those suites did not run to the end): ${missing.join(", ")}`);
if (turbo.status !== 0) console.log("Some tasks failed (lint, type check or tests): see the output above.");
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(turbo.status !== 0 || failed > 0 || missing.length > 0 ? 1 : 0);
