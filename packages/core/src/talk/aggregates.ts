import { wallTimeAt } from "../time/zoned.js";

/**
 * What coordinators see about the 1:1 line: anonymous counts only, to guide
 * the rota. No row carries who asked or who answered.
 */
export interface TalkRequestFact {
  createdAt: Date;
  /** Null when never answered. */
  matchedAt: Date | null;
  /** LEFT: every page of the worker was gone for longer than WORKER_GRACE_MS before anyone answered. */
  status: "WAITING" | "OFFERED" | "MATCHED" | "CANCELLED" | "LEFT";
}

export interface TalkAggregates {
  requests: number;
  answered: number;
  /** Not answered: cancelled by the worker, or closed because the worker left (see `left`). */
  unanswered: number;
  /** Of the unanswered, those closed because the worker's pages were gone (tab closed, no connection back in time). */
  left: number;
  /** Still in the queue when counted. */
  waiting: number;
  /** Minutes from asking to a volunteer accepting, answered requests only; null with none. */
  medianWaitMinutes: number | null;
  p90WaitMinutes: number | null;
  longestWaitMinutes: number | null;
  /** Unanswered requests by the hour they were made, in the organisation's zone; night hours first (18:00 to 08:00). */
  unansweredByHour: { hour: number; label: string; count: number }[];
}

const NIGHT_HOURS = [18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7];

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export function summariseTalk(facts: readonly TalkRequestFact[], timeZone: string): TalkAggregates {
  const waits = facts
    .filter((f) => f.status === "MATCHED" && f.matchedAt)
    .map((f) => (f.matchedAt!.getTime() - f.createdAt.getTime()) / 60_000)
    .sort((a, b) => a - b);
  const byHour = new Map<number, number>();
  const notAnswered = (f: TalkRequestFact) => f.status === "CANCELLED" || f.status === "LEFT";
  for (const f of facts) {
    if (!notAnswered(f)) continue;
    const hour = wallTimeAt(f.createdAt, timeZone).hour;
    byHour.set(hour, (byHour.get(hour) ?? 0) + 1);
  }
  const dayHours = [...byHour.keys()].filter((h) => !NIGHT_HOURS.includes(h)).sort((a, b) => a - b);
  return {
    requests: facts.length,
    answered: waits.length,
    unanswered: facts.filter(notAnswered).length,
    left: facts.filter((f) => f.status === "LEFT").length,
    waiting: facts.filter((f) => f.status === "WAITING" || f.status === "OFFERED").length,
    medianWaitMinutes: round1(percentile(waits, 0.5)),
    p90WaitMinutes: round1(percentile(waits, 0.9)),
    longestWaitMinutes: round1(waits.at(-1) ?? null),
    unansweredByHour: [...NIGHT_HOURS, ...dayHours].map((hour) => ({
      hour,
      label: `${String(hour).padStart(2, "0")}:00–${String((hour + 1) % 24).padStart(2, "0")}:00`,
      count: byHour.get(hour) ?? 0,
    })),
  };
}
