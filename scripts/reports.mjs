// Sums Vitest JSON reports into passed / failed / skipped counts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Counts from `<dir>/<name>.json` for each name; names whose report is missing are listed. */
export function sumReports(dir, names) {
  const total = { passed: 0, failed: 0, skipped: 0, missing: [], failures: [] };
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
    // Files whose failure a line below already names: a hook's error there is not counted again.
    const failedFiles = new Set();
    for (const file of r.testResults ?? []) {
      const where = path.relative(process.cwd(), file.name);
      if (file.status === "failed" && file.assertionResults.length === 0) {
        failedFiles.add(where);
        total.failures.push({
          suite: name,
          where,
          title: "(the file failed to load)",
          message: firstLine(file.message),
        });
      }
      for (const t of file.assertionResults ?? []) {
        if (t.status !== "failed") continue;
        failedFiles.add(where);
        total.failures.push({
          suite: name,
          where,
          title: t.fullName ?? t.title,
          message: firstLine(t.failureMessages?.[0]),
        });
      }
    }
    // What failed outside any test (scripts/outside-reporter.mjs): each unhandled error, and each
    // failed hook in a file whose report shows no failed test, counts as one failure.
    const outsideFile = path.join(dir, `${name}.outside.json`);
    const outside = existsSync(outsideFile) ? JSON.parse(readFileSync(outsideFile, "utf8")) : [];
    for (const e of outside) {
      const where = e.where ? path.relative(process.cwd(), e.where) : "";
      if (e.kind.startsWith("Failed") && failedFiles.has(where)) continue;
      total.failed += 1;
      total.failures.push({
        suite: name,
        where: where || "(no test file)",
        title: `(${e.kind}${e.during ? `, during "${e.during}"` : ""})`,
        message: [`${e.name}: ${e.message}`, ...e.stack.slice(0, 3)].join(" | ").slice(0, 600),
      });
    }
  }
  return total;
}

const firstLine = (text) =>
  String(text ?? "")
    // eslint-disable-next-line no-control-regex -- terminal colour codes, written as such
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim()
    .slice(0, 300) ?? "";

/** One line per failed test, so the end of a CI log says what failed, not just how many. */
export const failureLines = (failures, label = "") =>
  failures.map((f) => `FAILED ${label}${f.suite} ${f.where} > ${f.title}${f.message ? ` -- ${f.message}` : ""}`);

export const summaryLine = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;

/**
 * Steps that failed with no failed test in any report: lint, type checks, or an
 * error Vitest caught between tests ("Unhandled Errors": the run exits 1 while
 * its report says every test passed). Each counts as one failure, so the final
 * line never says "0 failed" of a run that failed. Kept in `<dir>/outside.json`.
 */
export function recordOutside(dir, names) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "outside.json"), JSON.stringify(names));
}
export function readOutside(dir) {
  const file = path.join(dir, "outside.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
}
export const outsideLines = (names, label = "") =>
  names.map(
    (n) =>
      `FAILED ${label}${n} -- failed outside any test (lint, a type check, or an error between tests: "Unhandled Errors" above)`,
  );
