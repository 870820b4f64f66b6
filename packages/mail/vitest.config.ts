import { defineConfig } from "vitest/config";

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: `${reports}/mail.json` }]],
  },
});
