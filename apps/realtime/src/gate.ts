import type { Metrics } from "./metrics.js";

/** Returned instead of running: too much is waiting; nothing was done. */
export const BUSY = Symbol("busy");

export interface GateLimits {
  /** Commands admitted on this node and not yet answered (running or waiting their turn). */
  perNode: number;
  /** Commands admitted for one room (or one call) and not yet answered. */
  perKey: number;
}

/**
 * Defaults: a node answers well over a thousand room commands a second
 * (bench/realtime), so 128 admitted is at most about a hundred milliseconds of
 * waiting, enough to keep its 10 database connections busy; 16 for one room
 * (12 people) covers everyone clicking at once. Beyond that, waiting longer
 * would only turn into timeouts. (At 64 and 5 connections, twice the load the
 * node holds was answered `busy` 1,330 times in a bench window, p99 239 ms;
 * at 128 and 10, none, p99 72-87 ms.)
 */
export const DEFAULT_GATE_LIMITS: GateLimits = { perNode: 128, perKey: 16 };

/**
 * Admission for socket commands. Commands for one key (a room, a call) run one
 * at a time in arrival order on this node, so they queue here rather than on a
 * PostgreSQL row lock while holding one of the few pooled connections; and
 * when too much is waiting (for the key or the whole node) a command is
 * refused at once with BUSY instead of waiting until something times out.
 * Nothing refused has run, so the caller may simply try again.
 */
export class CommandGate {
  readonly #limits: GateLimits;
  readonly #metrics: Metrics | undefined;
  readonly #keys = new Map<string, { tail: Promise<unknown>; admitted: number }>();
  #admitted = 0;

  constructor(limits: Partial<GateLimits> = {}, metrics?: Metrics) {
    this.#limits = { ...DEFAULT_GATE_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.#limits))
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`gate limit ${name} must be a positive integer`);
    this.#metrics = metrics;
  }

  /** Commands admitted and not yet answered, on this node. */
  get admitted(): number {
    return this.#admitted;
  }

  run<T>(key: string, kind: "room" | "talk", work: () => Promise<T>): Promise<T> | typeof BUSY {
    const queue = this.#keys.get(key) ?? { tail: Promise.resolve(), admitted: 0 };
    if (this.#admitted >= this.#limits.perNode || queue.admitted >= this.#limits.perKey) {
      this.#metrics?.commandsBusy.inc({ kind });
      return BUSY;
    }
    this.#keys.set(key, queue);
    queue.admitted += 1;
    this.#admitted += 1;
    this.#metrics?.commandsInFlight.set(this.#admitted);
    const started = performance.now();
    const result = queue.tail.then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    queue.tail = settled;
    void settled.then(() => {
      queue.admitted -= 1;
      this.#admitted -= 1;
      if (queue.admitted === 0) this.#keys.delete(key);
      this.#metrics?.commandsInFlight.set(this.#admitted);
      this.#metrics?.commandSeconds.observe({ kind }, (performance.now() - started) / 1000);
    });
    return result;
  }
}
