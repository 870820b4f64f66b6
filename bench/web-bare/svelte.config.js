import adapter from "@sveltejs/adapter-node";

/**
 * The yardstick for bench/web: a bare SvelteKit 2 app on adapter-node, as the
 * framework serves it with nothing of ours (no hooks, no database, no CSP).
 */
export default { kit: { adapter: adapter({ out: "build", precompress: true }) } };
