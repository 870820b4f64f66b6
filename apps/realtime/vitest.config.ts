import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; 1 s (Vitest's default) is too short on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    reporters: ["default", ["json", { outputFile: "../../.reports/realtime.json" }]],
  },
});
