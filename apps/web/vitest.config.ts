import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Where the JSON report goes (scripts/test.mjs sums them; the shifted-clock run writes its own).
const reports = process.env.OFFSHIFT_REPORTS_DIR ?? "../../.reports";

// Unit tests of server-side modules that need no SvelteKit runtime (the form adapters):
// only the $lib alias is needed; pages are tested in real Chromium under tests/e2e.
export default defineConfig({
  resolve: { alias: { $lib: fileURLToPath(new URL("./src/lib", import.meta.url)) } },
  test: {
    include: ["src/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: `${reports}/web.json` }]],
  },
});
