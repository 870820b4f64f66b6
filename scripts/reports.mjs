// Sums Vitest JSON reports into passed / failed / skipped counts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Counts from `<dir>/<name>.json` for each name; names whose report is missing are listed. */
export function sumReports(dir, names) {
  const total = { passed: 0, failed: 0, skipped: 0, missing: [] };
  for (const name of names) {
    const file = path.join(dir, `${name}.json`);
    if (!existsSync(file)) {
      total.missing.push(name);
      continue;
    }
    const r = JSON.parse(readFileSync(file, "utf8"));
    total.passed += r.numPassedTests;
    total.failed += r.numFailedTests;
    total.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    // A file that failed to load counts as a failure even if it reported no test.
    total.failed += (r.testResults ?? []).filter(
      (t) => t.status === "failed" && t.assertionResults.length === 0,
    ).length;
  }
  return total;
}

export const summaryLine = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
