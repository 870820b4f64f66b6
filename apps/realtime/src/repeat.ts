/**
 * Runs `run` now and then every `everyMs`, never two runs at once (a slow run
 * makes the next tick wait for the one after). The returned stop() stops the
 * ticks, waits for a run in progress, then calls `close`.
 */
export function repeatEvery(
  everyMs: number,
  run: () => Promise<void>,
  close: () => Promise<void>,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = run().finally(() => {
      running = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    await close();
  };
}
