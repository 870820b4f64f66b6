#!/usr/bin/env node
// `npm test`: lint, type checks and every test tier through turbo, then one
// summary line from the Vitest JSON reports: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { failureLines, outsideLines, recordOutside, sumReports, summaryLine } from "./reports.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = path.join(root, ".reports");
const expected = ["core", "db", "demo", "mail", "web", "realtime", "e2e"];
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

const { passed, failed, skipped, missing, failures } = sumReports(reports, expected);
console.log("");
for (const line of failureLines(failures)) console.log(line);
if (missing.length) console.log(`Test reports missing (those suites did not run to the end): ${missing.join(", ")}`);
if (turbo.status !== 0) console.log("Some tasks failed (lint, type check or tests): see the output above.");
// Failed with no failed test in any report: counted once, so the last line never says "0 failed" of a failed run.
const outside = turbo.status !== 0 && failed === 0 && missing.length === 0 ? ["npm test"] : [];
recordOutside(reports, outside);
for (const line of outsideLines(outside)) console.log(line);
// A suite whose report is missing (its config did not load, it crashed) counts as one failure too.
console.log(summaryLine({ passed, failed: failed + outside.length + missing.length, skipped }));
process.exit(turbo.status !== 0 || failed > 0 || missing.length > 0 ? 1 : 0);
