import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Writes what failed outside any test (unhandled errors, failed hooks) for scripts/reports.mjs.
const outsideReporter = fileURLToPath(new URL("../../scripts/outside-reporter.mjs", import.meta.url));

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

// Everything runs in the machine's zone; time and rota tests run again with the
// process in UTC and in New York, to show results do not depend on it. One
// JSON report covers all runs (scripts/test.mjs sums it).
const zoneSensitive = ["src/time/**/*.test.ts", "src/rota/**/*.test.ts"];

export default defineConfig({
  test: {
    // Property tests are CPU-bound: generous on a busy 2-core machine.
    testTimeout: 60_000,
    reporters: [
      "default",
      ["json", { outputFile: `${reports}/core.json` }],
      [outsideReporter, { outputFile: `${reports}/core.outside.json` }],
    ],
    projects: [
      { extends: true, test: { name: "core", include: ["src/**/*.test.ts"] } },
      { extends: true, test: { name: "TZ=UTC", include: zoneSensitive, env: { TZ: "UTC" } } },
      { extends: true, test: { name: "TZ=America/New_York", include: zoneSensitive, env: { TZ: "America/New_York" } } },
    ],
  },
});
