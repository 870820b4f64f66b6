#!/usr/bin/env node
// Benchmark runner: `npm run bench` runs every *.bench.mjs here, prints the
// results beside the recorded baseline (baseline.json) and writes
// results/latest.json. `npm run bench -- --save-baseline` records a new baseline
// (for the benches that ran; `npm run bench -- tonight --save-baseline` updates one).
// Timing assertions never live in tests; regressions show up here.
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const saveBaseline = process.argv.includes("--save-baseline");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const baselineFile = path.join(here, "baseline.json");
const baseline = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, "utf8")).results : {};
const REGRESSION = 0.25;

const results = {};
let regressions = 0;
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const mod = await import(pathToFileURL(path.join(here, file)).href);
  console.log(`\n${mod.title}`);
  for (const r of await mod.run()) {
    const key = `${file.replace(".bench.mjs", "")}: ${r.name}`;
    results[key] = { value: r.value, unit: r.unit, lowerIsBetter: r.lowerIsBetter ?? true };
    const base = baseline[key]?.value;
    let change = "";
    if (typeof base === "number" && base > 0) {
      const ratio = r.value / base - 1;
      const worse = (r.lowerIsBetter ?? true) ? ratio > REGRESSION : ratio < -REGRESSION;
      if (worse) regressions++;
      change = `${ratio >= 0 ? "+" : ""}${(ratio * 100).toFixed(0)}% vs baseline ${base}${worse ? "  << REGRESSION" : ""}`;
    }
    console.log(`  ${r.name.padEnd(64)} ${String(r.value).padStart(10)} ${r.unit.padEnd(6)} ${change}`);
  }
}

const record = {
  recordedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
  results,
};
mkdirSync(path.join(here, "results"), { recursive: true });
writeFileSync(path.join(here, "results/latest.json"), JSON.stringify(record, null, 2) + "\n");
if (saveBaseline) {
  // Merge: saving after running one bench keeps the others' baselines.
  writeFileSync(baselineFile, JSON.stringify({ ...record, results: { ...baseline, ...results } }, null, 2) + "\n");
  console.log("\nBaseline saved to bench/baseline.json");
}
console.log(
  regressions
    ? `\n${regressions} result(s) regressed by more than ${REGRESSION * 100}%`
    : "\nNo regressions against the baseline.",
);
