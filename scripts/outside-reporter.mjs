// A Vitest reporter that writes down what failed outside any test: errors Vitest
// caught between tests ("Unhandled Errors": an unhandled rejection, an uncaught
// exception, a worker that died) and failed hooks (beforeAll / afterAll) in files
// whose tests all passed. Vitest's JSON report has neither, and its own print of
// them sits far above the end of a long CI log; scripts/reports.mjs reads this
// file so the last lines of `npm test` name each one.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const frames = 8;

// eslint-disable-next-line no-control-regex -- terminal colour codes, written as such
const plain = (text) => String(text ?? "").replace(/\u001b\[[0-9;]*m/g, "");

/** The error's first line and the first stack frames, as Vitest serialised it. */
const describe = (error) => {
  const message =
    plain(error?.message ?? error)
      .split("\n")
      .find((l) => l.trim() !== "") ?? "";
  const stack = plain(error?.stack ?? "")
    .split("\n")
    .filter((l) => l.trim().startsWith("at "))
    // Vitest's runner and Node's internals say nothing about where the error came from.
    .filter((l) => !/node_modules\/@vitest\/|node:internal\/|\(<anonymous>\)/.test(l))
    .slice(0, frames)
    .map((l) => l.trim());
  return { name: plain(error?.name ?? "Error"), message: message.trim().slice(0, 500), stack };
};

export default class OutsideReporter {
  /** @param {{ outputFile: string }} options */
  constructor(options) {
    this.outputFile = options.outputFile;
  }

  onInit(vitest) {
    // Relative to the project's root, as Vitest's own JSON reporter takes it.
    this.outputFile = path.resolve(vitest.config.root, this.outputFile);
  }

  onTestRunEnd(testModules, unhandledErrors = []) {
    // Absolute, as in Vitest's JSON report; scripts/reports.mjs makes both relative to where it runs.
    const where = (file) => file ?? "";
    const entries = [];
    for (const error of unhandledErrors) {
      entries.push({
        kind: error?.type ?? "Unhandled error",
        where: where(error?.VITEST_TEST_PATH),
        during: error?.VITEST_TEST_NAME ?? "",
        ...describe(error),
      });
    }
    // A hook's error is kept on its suite (or the file), not on any test.
    const visit = (task, file) => {
      if (task.type === "test") return;
      for (const error of task.result?.errors ?? []) {
        entries.push({
          kind: task.type === "suite" && task.file !== task ? "Failed hook" : "Failed file",
          where: where(file),
          during: task.file === task ? "" : task.name,
          ...describe(error),
        });
      }
      for (const child of task.tasks ?? []) visit(child, file);
    };
    for (const module of testModules) visit(module.task, module.task.filepath);
    mkdirSync(path.dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, JSON.stringify(entries, null, 2));
  }
}
