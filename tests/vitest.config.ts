import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    // Each file starts whole apps and browsers; on a 2-core machine one at a time is faster and steadier.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: "../.reports/e2e.json" }]],
  },
});
