/**
 * A page in a room checks its realtime link is alive (`live:ping`): a phone
 * that loses its signal often never says so ("offline" does not fire), and
 * Socket.IO's own pings take up to 40 s to notice. Asked this often ...
 */
export const LIVENESS_EVERY_MS = 2000;
/** ... and with no answer in this long the link is in doubt: the page says "Reconnecting…" and asks again ... */
export const LIVENESS_TIMEOUT_MS = 3000;
/** ... and with still no answer this much later it counts as dead: the page closes it for a fresh connection. */
export const LIVENESS_GRACE_MS = 2000;
/**
 * A timer that fires this much later than it was set for means the page
 * itself was frozen or throttled (a busy phone, a tab in the background), not
 * that the server went quiet: an answer may be waiting behind it. Such a
 * reading does not count against the link, at most this many times in a row
 * (a page that is always late must still notice a dead link).
 */
export const LIVENESS_LATE_BY_MS = 1000;
export const LIVENESS_MAX_LATE_READINGS = 2;

export interface LivenessTimers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface LivenessLink {
  /** Whether the link is up as the transport sees it (checks wait while it is not). */
  connected(): boolean;
  /** Sends one probe; `answered` is called if and when the other side answers it. */
  ping(answered: () => void): void;
  /** No answer in time: tell the person the link is in doubt. */
  doubted(): void;
  /** An answer came after all (late, or to the second probe): the link is fine. */
  answered(): void;
  /** Still nothing: close the link so the transport makes a fresh one. */
  dead(): void;
}

/**
 * Watches a link with `ping` until the returned function is called: a probe
 * every LIVENESS_EVERY_MS; no answer within LIVENESS_TIMEOUT_MS makes it
 * `doubted` and a second probe goes; an answer to either clears the doubt;
 * none within LIVENESS_GRACE_MS more makes it `dead`. A reading taken by a
 * timer that fired well after its time proves nothing about the link and is
 * taken again instead (a frozen page must not drop a working connection).
 */
export function watchLiveness(link: LivenessLink, timers: LivenessTimers): () => void {
  let timer: unknown;
  let stopped = false;
  /** Every probe of one check shares its number: an answer to any of them, however late, clears the check. */
  let current = 0;
  let inDoubt = false;
  let lateReadings = 0;

  const after = (ms: number, fn: (firedLateBy: number) => void) => {
    const due = timers.now() + ms;
    timer = timers.set(() => {
      if (!stopped) fn(timers.now() - due);
    }, ms);
  };
  /** A reading is trusted unless its timer fired late, and only so many of those in a row are excused. */
  const trusted = (firedLateBy: number) => {
    if (firedLateBy < LIVENESS_LATE_BY_MS || lateReadings >= LIVENESS_MAX_LATE_READINGS) {
      lateReadings = 0;
      return true;
    }
    lateReadings += 1;
    return false;
  };
  const send = () => {
    const check = current;
    link.ping(() => {
      if (stopped || check !== current) return;
      current += 1; // later answers to this check change nothing
      timers.clear(timer);
      if (inDoubt) {
        inDoubt = false;
        link.answered();
      }
      wait();
    });
  };
  /** Waits for an answer this long, then decides (or, if the timer fired late, asks again and waits again). */
  const expectAnswer = (ms: number, decide: () => void) =>
    after(ms, (late) => {
      if (trusted(late)) return decide();
      send();
      expectAnswer(ms, decide);
    });

  const wait = () => after(LIVENESS_EVERY_MS, () => check());
  const check = () => {
    current += 1;
    inDoubt = false;
    if (!link.connected()) return wait();
    send();
    expectAnswer(LIVENESS_TIMEOUT_MS, () => {
      if (!link.connected()) return wait();
      inDoubt = true;
      link.doubted();
      send();
      expectAnswer(LIVENESS_GRACE_MS, () => {
        current += 1;
        if (link.connected()) link.dead();
        wait();
      });
    });
  };

  wait();
  return () => {
    stopped = true;
    timers.clear(timer);
  };
}
