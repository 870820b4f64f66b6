import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  ssr: {
    // Loaded from node_modules at run time: the Prisma client carries a WASM
    // query compiler that is not meant to be bundled.
    external: ["@offshift/db", "@offshift/db/launcher"],
  },
});
