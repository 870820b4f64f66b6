import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LIVENESS_EVERY_MS,
  LIVENESS_GRACE_MS,
  LIVENESS_MAX_LATE_READINGS,
  LIVENESS_TIMEOUT_MS,
  watchLiveness,
} from "./liveness.js";

/**
 * A page's clock and timers, run by hand. `freeze(ms)` is a page whose main
 * thread is blocked (an accessibility scan on a busy phone, a throttled tab):
 * time passes, and every timer due meanwhile fires late, at the end.
 */
function page() {
  let t = 0;
  let seq = 0;
  /** `network`: an answer from the server, queued behind the page's own timers when both are due. */
  const timers = new Map<number, { at: number; fn: () => void; network: boolean }>();
  const log: string[] = [];
  const pending: (() => void)[] = [];
  let up = true;
  /** How the server answers a probe: now, after a delay, or never (the signal is gone). */
  let answerAfter: number | null = 10;
  const at = (when: number, fn: () => void, network = false) => {
    const id = ++seq;
    timers.set(id, { at: when, fn, network });
    return id;
  };
  const run = (until: number) => {
    for (;;) {
      const next = [...timers.entries()]
        .filter(([, x]) => x.at <= until)
        .sort((a, b) => a[1].at - b[1].at || Number(a[1].network) - Number(b[1].network) || a[0] - b[0])[0];
      if (!next) break;
      timers.delete(next[0]);
      t = Math.max(t, next[1].at);
      next[1].fn();
    }
    t = until;
  };
  const stop = watchLiveness(
    {
      connected: () => up,
      ping: (answered) => {
        log.push(`ping@${t}`);
        if (answerAfter === null) pending.push(answered);
        else at(t + answerAfter, answered, true);
      },
      doubted: () => log.push(`doubted@${t}`),
      answered: () => log.push(`answered@${t}`),
      dead: () => {
        log.push(`dead@${t}`);
        up = false;
      },
    },
    {
      now: () => t,
      set: (fn, ms) => at(t + ms, fn),
      clear: (id) => timers.delete(id as number),
    },
  );
  return {
    log,
    stop,
    /** Lets `ms` pass with the page running. */
    advance: (ms: number) => run(t + ms),
    /** Lets `ms` pass with the page frozen: everything due fires at the end, in order, late. */
    freeze: (ms: number) => {
      const end = t + ms;
      for (const x of timers.values()) if (x.at < end) x.at = end;
      run(end);
    },
    answers: (after: number | null) => (answerAfter = after),
    /** Answers that never came in time arrive now (the signal is back). */
    deliverLate: () => pending.splice(0).forEach((f) => f()),
    reconnect: () => (up = true),
    events: (kind: string) => log.filter((l) => l.startsWith(kind)),
  };
}

describe("watchLiveness", () => {
  it("a server that answers: a probe every 2 s and never a doubt", () => {
    const p = page();
    p.advance(60_000);
    expect(p.events("ping").length).toBeGreaterThanOrEqual(28);
    expect(p.events("doubted")).toEqual([]);
    expect(p.events("dead")).toEqual([]);
  });

  it("a signal that fades: in doubt 3 s after an unanswered probe, dead 2 s later, then quiet until reconnected", () => {
    const p = page();
    p.advance(10_000);
    p.answers(null);
    const before = p.events("ping").length;
    p.advance(20_000);
    const firstUnanswered = Number(p.events("ping")[before]!.split("@")[1]);
    expect(p.events("doubted")).toEqual([`doubted@${firstUnanswered + LIVENESS_TIMEOUT_MS}`]);
    expect(p.events("dead")).toEqual([`dead@${firstUnanswered + LIVENESS_TIMEOUT_MS + LIVENESS_GRACE_MS}`]);
    // While the transport reconnects, nothing is probed.
    const pingsWhileDown = p.events("ping").length;
    p.advance(10_000);
    expect(p.events("ping").length).toBe(pingsWhileDown);
    p.reconnect();
    p.answers(10);
    p.advance(10_000);
    expect(p.events("ping").length).toBeGreaterThan(pingsWhileDown);
    expect(p.events("dead")).toHaveLength(1);
  });

  it("an answer that comes late, after the doubt, clears it: no fresh connection", () => {
    const p = page();
    p.advance(5000);
    p.answers(null);
    p.advance(LIVENESS_EVERY_MS + LIVENESS_TIMEOUT_MS + 100);
    expect(p.events("doubted")).toHaveLength(1);
    p.deliverLate();
    p.answers(10);
    p.advance(30_000);
    expect(p.events("answered")).toHaveLength(1);
    expect(p.events("dead")).toEqual([]);
    expect(p.events("doubted")).toHaveLength(1);
  });

  it("a page frozen for 10 s while its link is fine is never told the link is dead", () => {
    const p = page();
    p.advance(4015); // a probe went at 4010; its answer is due at 4020
    // The answer is on its way when the page freezes; it lands during the freeze, behind the timers.
    p.answers(10);
    p.freeze(10_000);
    p.advance(30_000);
    expect(p.events("doubted")).toEqual([]);
    expect(p.events("dead")).toEqual([]);
  });

  it("property: however the page freezes, a link that answers is never closed, and one that is gone always is", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ run: fc.integer({ min: 0, max: 8000 }), freeze: fc.integer({ min: 0, max: 15_000 }) }), {
          maxLength: 8,
        }),
        (pattern) => {
          const fine = page();
          for (const step of pattern) {
            fine.advance(step.run);
            fine.freeze(step.freeze);
          }
          fine.advance(20_000);
          if (fine.events("dead").length > 0) return false;

          // The same freezes with the signal gone: still found dead, within a bounded number of late readings.
          const gone = page();
          gone.answers(null);
          for (const step of pattern) {
            gone.advance(step.run);
            gone.freeze(step.freeze);
          }
          gone.advance(
            LIVENESS_EVERY_MS + (LIVENESS_TIMEOUT_MS + LIVENESS_GRACE_MS) * (LIVENESS_MAX_LATE_READINGS + 1) + 1000,
          );
          return gone.events("dead").length === 1;
        },
      ),
    );
  });

  it("stopping ends it: no probe after", () => {
    const p = page();
    p.advance(5000);
    p.stop();
    const pings = p.events("ping").length;
    p.advance(30_000);
    expect(p.events("ping").length).toBe(pings);
  });
});
