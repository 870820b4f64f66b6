#!/usr/bin/env node
// `npm run test:shifted`: the unit and integration tiers of core, db and realtime
// once more with the whole process tree's clock (Node, the embedded PostgreSQL,
// the realtime processes tests spawn) moved 400 days ahead by Debian's faketime.
// A test that silently depends on the day it was written fails here. Run after
// `npm test` (it uses that build). Prints "N passed, N failed" for this run.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { outsideLines, recordOutside, sumReports, summaryLine } from "./reports.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = path.join(root, ".reports", "shifted");
const shift = process.env.TEST_CLOCK_SHIFT ?? "+400 days";
const suites = [
  ["core", "packages/core"],
  ["db", "packages/db"],
  ["demo", "packages/demo"],
  ["mail", "packages/mail"],
  ["web", "apps/web"],
  ["realtime", "apps/realtime"],
];

if (spawnSync("faketime", ["-f", "+0", "true"]).error) {
  console.error("faketime is not installed: `apt-get install faketime` (Debian), then run this again.");
  process.exit(1);
}
rmSync(reports, { recursive: true, force: true });
let status = 0;
const exited = new Map();
for (const [name, dir] of suites) {
  console.log(`\n[shifted clock ${shift}] ${dir}`);
  const vitest = path.join(root, "node_modules/vitest/vitest.mjs");
  const run = spawnSync("faketime", [shift, process.execPath, vitest, "run"], {
    cwd: path.join(root, dir),
    stdio: "inherit",
    env: {
      ...process.env,
      // Only wall-clock time moves: timers and timeouts keep real durations.
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
      OFFSHIFT_REPORTS_DIR: reports,
      OFFSHIFT_CLOCK_SHIFTED: shift,
    },
  });
  if (run.status !== 0) status = 1;
  exited.set(name, run.status);
}
const total = sumReports(
  reports,
  suites.map(([name]) => name),
);
// A suite that failed with every test in its report passing failed outside them (see reports.mjs).
const outside = suites
  .map(([name]) => name)
  .filter(
    (name) => exited.get(name) !== 0 && !total.missing.includes(name) && sumReports(reports, [name]).failed === 0,
  );
recordOutside(reports, outside);
console.log("");
for (const line of outsideLines(outside, "shifted ")) console.log(line);
if (total.missing.length) console.log(`Test reports missing: ${total.missing.join(", ")}`);
console.log(
  `Shifted clock (${shift}): ${summaryLine({ ...total, failed: total.failed + outside.length + total.missing.length })}`,
);
process.exit(status !== 0 || total.failed > 0 || total.missing.length > 0 ? 1 : 0);
