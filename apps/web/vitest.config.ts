import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Writes what failed outside any test (unhandled errors, failed hooks) for scripts/reports.mjs.
const outsideReporter = fileURLToPath(new URL("../../scripts/outside-reporter.mjs", import.meta.url));

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

// Unit tests of server-side modules that need no SvelteKit runtime (the form adapters):
// only the $lib alias is needed; pages are tested in real Chromium under tests/e2e.
export default defineConfig({
  resolve: { alias: { $lib: fileURLToPath(new URL("./src/lib", import.meta.url)) } },
  test: {
    include: ["src/**/*.test.ts"],
    reporters: [
      "default",
      ["json", { outputFile: `${reports}/web.json` }],
      [outsideReporter, { outputFile: `${reports}/web.outside.json` }],
    ],
  },
});
