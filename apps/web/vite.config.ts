import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  ssr: {
    // Loaded from node_modules at run time: the Prisma client carries a WASM
    // query compiler, and core's calendar reads VTIMEZONE data files from its
    // dependency's folder; neither survives bundling.
    external: ["@offshift/db", "@offshift/launcher", "@offshift/core"],
  },
});
