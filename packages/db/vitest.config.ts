import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Writes what failed outside any test (unhandled errors, failed hooks) for scripts/reports.mjs.
const outsideReporter = fileURLToPath(new URL("../../scripts/outside-reporter.mjs", import.meta.url));

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./src/testing/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; 1 s (Vitest's default) is too short on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: [
      "default",
      ["json", { outputFile: `${reports}/db.json` }],
      [outsideReporter, { outputFile: `${reports}/db.outside.json` }],
    ],
  },
});
