import { TYPICAL_CALL_MINUTES } from "./matching.js";

/** What recent answered requests took, from the database: both lists in milliseconds. */
export interface RecentAnswers {
  /** From the offer going out to the volunteer answering it, per answered request. */
  answerMs: readonly number[];
  /** Length of each finished call. */
  callMs: readonly number[];
}

export const NO_RECENT_ANSWERS: RecentAnswers = { answerMs: [], callMs: [] };
/** Fewer samples than this and the figure falls back to a cautious default. */
export const MIN_SAMPLES = 3;
/** Answering an offer, when nothing has been learned yet. */
const DEFAULT_ANSWER_MS = 60_000;

function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const learned = (values: readonly number[], fallback: number) =>
  values.filter((v) => Number.isFinite(v) && v >= 0).length >= MIN_SAMPLES ? median(values) : fallback;

/**
 * A waiting worker's estimate, in whole minutes, learned from tonight's line
 * rather than a constant: how long volunteers have taken to answer an offer
 * (median), and, for those behind a busy line, how many rounds of calls are ahead
 * of them times how long calls have lasted (median). Medians, so one long call
 * does not scare everyone off. Null when nobody is on call (the page says so).
 * The line is first come, first served, so the place alone decides the rounds.
 */
export function estimateWaitMinutes(
  position: number,
  free: number,
  onCall: number,
  recent: RecentAnswers = NO_RECENT_ANSWERS,
): number | null {
  if (onCall <= 0) return null;
  const answerMs = learned(recent.answerMs, DEFAULT_ANSWER_MS);
  const callMs = learned(recent.callMs, TYPICAL_CALL_MINUTES * 60_000);
  const rounds = position <= free ? 0 : Math.ceil((position - free) / onCall);
  return Math.max(1, Math.ceil((answerMs + rounds * callMs) / 60_000));
}
