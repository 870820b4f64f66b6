import adapter from "@sveltejs/adapter-node";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: "build", precompress: true }),
    // Strict CSP: SvelteKit adds hashes/nonces for its own inline scripts.
    // connect-src gains the realtime origin per request in hooks.server.ts.
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        // "self", and app.html's one early Quick exit check (its hash: change both together).
        "script-src": ["self", "sha256-d6ezTLgUtyha+g0rwz58fQoFTriiVpEhjGGwE2sxfWQ="],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:"],
        "font-src": ["self"],
        "connect-src": ["self"],
        "media-src": ["self", "blob:"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"],
      },
    },
  },
};

export default config;
