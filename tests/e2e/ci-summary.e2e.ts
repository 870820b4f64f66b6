// The last lines of `npm test` and `.ci/run` (scripts/reports.mjs) name what failed outside any
// test: an unhandled rejection between tests, a failed afterAll in a file whose tests all passed.
// Vitest's JSON report carries neither, so before scripts/outside-reporter.mjs a CI log that shows
// only its end said "1 failed" with no test, no file and no message.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("../fixtures/outside", import.meta.url));
const vitest = path.join(root, "node_modules/vitest/vitest.mjs");

const run = (command: string, args: string[], env: Record<string, string> = {}, cwd = root) =>
  new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env, FORCE_COLOR: "0" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });

/** What CI's summary says of a reports folder, from scripts/reports.mjs itself. */
const summary = async (dir: string) => {
  const script = `
    import { failureLines, sumReports, summaryLine } from "./scripts/reports.mjs";
    const r = sumReports(${JSON.stringify(dir)}, ["fixture"]);
    console.log(JSON.stringify({ lines: failureLines(r.failures), last: summaryLine(r) }));`;
  const { code, out } = await run(process.execPath, ["--input-type=module", "-e", script]);
  expect(code, out).toBe(0);
  return JSON.parse(out) as { lines: string[]; last: string };
};

describe("the CI summary names what failed outside any test", () => {
  const dirs: string[] = [];
  const reportsDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "offshift-outside-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("an unhandled rejection and a failed teardown each count as a failure, with file, test and message", async () => {
    const dir = reportsDir();
    const { code, out } = await run(process.execPath, [vitest, "run"], { OFFSHIFT_REPORTS_DIR: dir }, fixture);
    // Vitest fails the run while every test passes: the case CI could not explain.
    expect(code, out).toBe(1);
    const report = JSON.parse(readFileSync(path.join(dir, "fixture.json"), "utf8"));
    expect(report.numFailedTests).toBe(0);
    expect(report.numPassedTests).toBe(3);

    const { lines, last } = await summary(dir);
    expect(last).toBe("3 passed, 2 failed");
    expect(lines).toHaveLength(2);
    const rejection = lines.find((l) => l.includes("Unhandled Rejection"));
    expect(rejection).toContain("tests/fixtures/outside/hooks.fixture.ts");
    expect(rejection).toContain('during "leaves a rejection nobody handles"');
    expect(rejection).toContain("Error: a rejection nobody caught");
    // The first frame is the test's own line, not Vitest's runner.
    expect(rejection).toMatch(/\| at .*hooks\.fixture\.ts:11:/);
    const hook = lines.find((l) => l.includes("Failed hook"));
    expect(hook).toContain('during "a group whose teardown fails"');
    expect(hook).toContain("Error: the teardown broke");
  });

  it("a clean run says nothing more than its count", async () => {
    const dir = reportsDir();
    const { code, out } = await run(
      process.execPath,
      [vitest, "run", "clean.fixture.ts"],
      { OFFSHIFT_REPORTS_DIR: dir },
      fixture,
    );
    expect(code, out).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, "fixture.outside.json"), "utf8"))).toEqual([]);
    expect(await summary(dir)).toEqual({ lines: [], last: "1 passed, 0 failed" });
  });
});
