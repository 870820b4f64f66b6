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
 * How a command may run together with others of its kind waiting for the same
 * key: commands with the same `tag` that are next in line for their key, one
 * after another, are handed to one `runAll` (the first one's) with their
 * `item`s in arrival order, which answers each in the same order.
 */
export interface Together<T> {
  tag: string;
  item: unknown;
  runAll: (items: unknown[]) => Promise<T[]>;
}

interface Waiting {
  work: () => Promise<unknown>;
  together: Together<unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  started: number;
}

interface KeyQueue {
  waiting: Waiting[];
  running: boolean;
  admitted: number;
}

/**
 * Admission for socket commands. Commands for one key (a room, a call) run one
 * at a time in arrival order on this node, so they queue here rather than on a
 * PostgreSQL row lock while holding one of the few pooled connections; and
 * when too much is waiting (for the key or the whole node) a command is
 * refused at once with BUSY instead of waiting until something times out.
 * Nothing refused has run, so the caller may simply try again.
 *
 * Commands that say how (`Together`) run as one turn with those of their kind
 * queued right behind them: a room's joins when a session starts and everyone
 * arrives at once are decided and written together.
 *
 * `always` is for the node's own work on a key that nobody can be told to
 * retry (a disconnected member leaving): it is never refused, and it still
 * counts as admitted while it waits.
 */
export class CommandGate {
  readonly #limits: GateLimits;
  readonly #metrics: Metrics | undefined;
  readonly #keys = new Map<string, KeyQueue>();
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

  run<T>(
    key: string,
    kind: "room" | "talk",
    work: () => Promise<T>,
    together?: Together<T>,
    options: { always?: boolean } = {},
  ): Promise<T> | typeof BUSY {
    const queue = this.#keys.get(key) ?? { waiting: [], running: false, admitted: 0 };
    const full = this.#admitted >= this.#limits.perNode || queue.admitted >= this.#limits.perKey;
    if (full && !options.always) {
      this.#metrics?.commandsBusy.inc({ kind });
      return BUSY;
    }
    this.#keys.set(key, queue);
    queue.admitted += 1;
    this.#admitted += 1;
    this.#metrics?.commandsInFlight.set(this.#admitted);
    const started = performance.now();
    const result = new Promise<T>((resolve, reject) => {
      queue.waiting.push({
        work,
        together: together as Together<unknown> | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
        started,
      });
    });
    const settled = () => {
      queue.admitted -= 1;
      this.#admitted -= 1;
      this.#metrics?.commandsInFlight.set(this.#admitted);
      this.#metrics?.commandSeconds.observe({ kind }, (performance.now() - started) / 1000);
      this.#forgetIfIdle(key, queue);
    };
    result.then(settled, settled);
    if (!queue.running) void this.#drain(key, queue);
    return result;
  }

  /** Runs the key's turns one after another until nothing is waiting. */
  async #drain(key: string, queue: KeyQueue): Promise<void> {
    queue.running = true;
    // The turn starts after the caller has its promise (as chaining on a settled promise did).
    await Promise.resolve();
    for (let turn = this.#nextTurn(queue); turn.length > 0; turn = this.#nextTurn(queue)) {
      const first = turn[0]!;
      try {
        if (turn.length === 1) first.resolve(await first.work());
        else {
          const answers = await first.together!.runAll(turn.map((w) => w.together!.item));
          turn.forEach((w, i) => w.resolve(answers[i]));
        }
      } catch (err) {
        for (const w of turn) w.reject(err);
      }
    }
    queue.running = false;
    this.#forgetIfIdle(key, queue);
  }

  /** A key with nothing admitted is forgotten (rooms come and go). */
  #forgetIfIdle(key: string, queue: KeyQueue): void {
    if (queue.admitted === 0 && !queue.running && this.#keys.get(key) === queue) this.#keys.delete(key);
  }

  /** The next in line, with those of its kind right behind it when it runs together. */
  #nextTurn(queue: KeyQueue): Waiting[] {
    const first = queue.waiting.shift();
    if (!first) return [];
    const turn = [first];
    const tag = first.together?.tag;
    while (tag !== undefined && queue.waiting[0]?.together?.tag === tag) turn.push(queue.waiting.shift()!);
    return turn;
  }
}
