import type { Logger } from "pino";
import { BUSY_MESSAGE } from "@offshift/core";
import type { Socket as IoSocket } from "socket.io";
import { BUSY, type CommandGate, type Together } from "./gate.js";
import type { socketLimits } from "./limits.js";

type Limits = ReturnType<typeof socketLimits>;
type Ack<R> = { ok: true; data?: R } | { ok: false; error: { code: string; message: string } };
type Parsed<C> = { ok: true; command: C } | { ok: false; error: { code: string; message: string } };

const failure = (code: string, message: string) => ({ ok: false, error: { code, message } }) as const;

/**
 * One pipeline for every command a socket sends (live rooms and the 1:1 line):
 * the per-socket rate limit, parsing with core's schema, admission through the
 * node's gate (refused at once as `busy`, with the points given back, when too
 * much is waiting), the command's own authorisation, work and fan-out in `run`,
 * and one typed acknowledgement, whatever happens. Written once, so that a new
 * command cannot forget a step.
 */
export function registerCommands<Name extends string, Command, Reply>(
  socket: IoSocket,
  spec: {
    names: readonly Name[];
    limits: Limits;
    /** A second budget some commands also spend (side-chat). */
    alsoLimitedBy?: (name: Name) => Limits["commands"] | null;
    parse: (name: Name, payload: unknown) => Parsed<Command>;
    /**
     * The gate's queue for a command: commands with one key run one at a time,
     * in arrival order (a room's); `{ failure }` answers without running.
     */
    key: (command: Command) => string | { failure: Ack<never> };
    /**
     * How a command may share a turn with those of its kind queued right behind
     * it for the same key (the gate's `Together`), or null to run alone.
     */
    together?: (command: Command, name: Name) => Together<Ack<Reply> | (() => Promise<Ack<Reply>>)> | null;
    gate: CommandGate;
    kind: "room" | "talk";
    /**
     * Authorise, do the work, fan out; answer with a typed acknowledgement, or
     * with a function that finishes the answer after the key's turn (reads that
     * need not hold up the next command for the same room).
     */
    run: (command: Command, name: Name) => Promise<Ack<Reply> | (() => Promise<Ack<Reply>>)>;
    logger: Logger;
  },
): void {
  const { limits } = spec;
  const on = socket.on.bind(socket) as (event: string, listener: (payload: unknown, ack?: unknown) => void) => void;
  for (const name of spec.names) {
    on(name, async (payload: unknown, ack?: unknown) => {
      const reply = (r: Ack<Reply>) => {
        if (typeof ack === "function") (ack as (r: Ack<Reply>) => void)(r);
      };
      const also = spec.alsoLimitedBy?.(name) ?? null;
      try {
        if (!(await limits.allowed(limits.commands)) || (also && !(await limits.allowed(also))))
          return reply(failure("rate_limited", "That was a lot at once. Please wait a few seconds."));
        const parsed = spec.parse(name, payload);
        if (!parsed.ok) return reply({ ok: false, error: parsed.error });
        const key = spec.key(parsed.command);
        if (typeof key !== "string") return reply(key.failure);
        const together = spec.together?.(parsed.command, name) ?? undefined;
        const outcome = spec.gate.run(key, spec.kind, () => spec.run(parsed.command, name), together);
        if (outcome === BUSY) {
          // Nothing was done: the retry the browser makes must not count against this person's budget.
          await limits.commands.reward(socket.id, 1);
          if (also) await also.reward(socket.id, 1);
          return reply(failure("busy", BUSY_MESSAGE));
        }
        const done = await outcome;
        reply(typeof done === "function" ? await done() : done);
      } catch (err) {
        spec.logger.warn({ err: err instanceof Error ? err.message : String(err), event: name }, "command failed");
        reply(failure("invalid", "Something went wrong. Please try again."));
      }
    });
  }
}

/**
 * The node's own work on a room or call, in the key's turn beside its commands
 * (a disconnected member leaving): never refused as busy, because there is
 * nobody to tell to try again, and still counted by the gate while it waits.
 * Those of a kind waiting together share a turn, as commands do.
 */
export function runInTurn<T>(
  gate: CommandGate,
  key: string,
  kind: "room" | "talk",
  work: () => Promise<T>,
  together?: Together<T>,
): Promise<T> {
  return gate.run(key, kind, work, together, { always: true }) as Promise<T>;
}
