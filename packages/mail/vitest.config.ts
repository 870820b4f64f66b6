import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Writes what failed outside any test (unhandled errors, failed hooks) for scripts/reports.mjs.
const outsideReporter = fileURLToPath(new URL("../../scripts/outside-reporter.mjs", import.meta.url));

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    reporters: [
      "default",
      ["json", { outputFile: `${reports}/mail.json` }],
      [outsideReporter, { outputFile: `${reports}/mail.outside.json` }],
    ],
  },
});
