import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Writes what failed outside any test (unhandled errors, failed hooks) for scripts/reports.mjs.
const outsideReporter = fileURLToPath(new URL("../scripts/outside-reporter.mjs", import.meta.url));

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    // Each file starts whole apps and browsers; on a 2-core machine one at a time is faster and steadier.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for a condition; 1 s (Vitest's default) is too short on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: [
      "default",
      ["json", { outputFile: "../.reports/e2e.json" }],
      [outsideReporter, { outputFile: "../.reports/e2e.outside.json" }],
    ],
  },
});
