// Preloaded into the Prisma CLI process (node -r). Prisma 6.19's WASM schema
// engine arms a 10 s timer that it never clears, so every `migrate` command
// lingers 10 s after it has finished. Timers armed from WASM are unref'd: they
// still fire while the CLI is busy, but no longer keep a finished process alive.
"use strict";
const original = global.setTimeout;
global.setTimeout = function patchedSetTimeout(fn, ms, ...args) {
  const timer = original.call(this, fn, ms, ...args);
  if (typeof timer?.unref === "function" && /wasm-function/.test(new Error().stack ?? "")) timer.unref();
  return timer;
};
