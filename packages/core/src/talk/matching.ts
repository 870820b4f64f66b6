/**
 * The 1:1 line's rules, pure: who fits a request, in what order volunteers
 * are asked, when preferences relax, how long an offer stands, what a
 * worker is told about the wait. The database layer applies them under
 * row locks; nothing here does I/O.
 */

import { dayInSentence } from "../dropins/day-in-sentence.js";

/** An offer stands this long before it passes to the next volunteer. */
export const OFFER_TIMEOUT_MS = 30_000;
/**
 * Going on call without a talk-line slot lasts this long at most (the page can
 * renew it). A device that takes offers by push keeps a volunteer reachable with
 * no page open, so "until they stop" could otherwise mean offers all night to
 * someone who closed the page and went to sleep.
 */
export const AD_HOC_ON_CALL_MS = 4 * 60 * 60_000;
/** Preferences limit who is asked for this long, then anyone on call is asked (the worker is told). */
export const RELAX_AFTER_MS = 2 * 60_000;
/** A volunteer who declined (or let an offer lapse) is not asked again for the same request for this long. */
export const REOFFER_AFTER_MS = 60_000;
/** A volunteer's on-call page (or a worker's waiting page) counts as open while its heartbeat is this fresh. */
export const PRESENCE_STALE_MS = 30_000;
/**
 * A worker's request keeps its place this long after their last waiting page
 * closed or lost its connection (a phone changing networks, a tab reloaded);
 * after that it is closed as "left". While they are away nobody is offered it
 * and it is not counted ahead of anyone. At least PRESENCE_STALE_MS, so a
 * realtime node that dies does not cut the grace short.
 */
export const WORKER_GRACE_MS = 45_000;
/** Rough length of a call, for the worker's wait estimate. */
export const TYPICAL_CALL_MINUTES = 15;
/** A talk-line slot can be confirmed from this long before it starts. */
export const CONFIRM_EARLY_MS = 10 * 60_000;

export interface RequestForMatching {
  id: string;
  language: string | null;
  experience: readonly string[];
  priority: number;
  createdAt: number;
  /** Earlier offers of this request: who, and when it was made. */
  offeredTo: readonly { volunteerId: string; at: number }[];
  /** The person asking, when signed in (a volunteer may ask too): never offered their own request. */
  requesterPersonId?: string | null;
}

export interface VolunteerForMatching {
  id: string;
  languages: readonly string[];
  experience: readonly string[];
  /** When their last call ended (ms), or null: the longest-free volunteer is asked first. */
  lastCallEndedAt: number | null;
}

export const hasPreferences = (r: Pick<RequestForMatching, "language" | "experience">) =>
  !!r.language || r.experience.length > 0;

/** Preferences stop limiting who is asked once the worker has waited RELAX_AFTER_MS. */
export function preferencesRelaxed(r: Pick<RequestForMatching, "createdAt">, now: number): boolean {
  return now - r.createdAt >= RELAX_AFTER_MS;
}

/** Speaks the language asked for (if any) and shares at least one experience tag asked for (if any). */
export function fits(r: Pick<RequestForMatching, "language" | "experience">, v: VolunteerForMatching): boolean {
  if (r.language && !v.languages.includes(r.language)) return false;
  if (r.experience.length > 0 && !r.experience.some((t) => v.experience.includes(t))) return false;
  return true;
}

/** Higher is better: the language counts more than any one tag. */
export function fitScore(r: Pick<RequestForMatching, "language" | "experience">, v: VolunteerForMatching): number {
  const language = r.language && v.languages.includes(r.language) ? 10 : 0;
  return language + r.experience.filter((t) => v.experience.includes(t)).length;
}

/**
 * Volunteers this request may be offered to now, best first. Before the
 * search widens only those who fit are eligible; after, anyone, still
 * ranked by fit. Someone offered this request within REOFFER_AFTER_MS is
 * skipped, and so is the asker (a volunteer on call who asks in another tab). Ties go to whoever has been free longest, then by id, so the
 * order is deterministic.
 */
export function rankVolunteers(
  r: RequestForMatching,
  volunteers: readonly VolunteerForMatching[],
  now: number,
): VolunteerForMatching[] {
  const relaxed = preferencesRelaxed(r, now);
  const recently = new Set(r.offeredTo.filter((o) => now - o.at < REOFFER_AFTER_MS).map((o) => o.volunteerId));
  return volunteers
    .filter((v) => v.id !== r.requesterPersonId && !recently.has(v.id) && (relaxed || fits(r, v)))
    .sort(
      (a, b) =>
        fitScore(r, b) - fitScore(r, a) ||
        (a.lastCallEndedAt ?? -Infinity) - (b.lastCallEndedAt ?? -Infinity) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

/** Queue order: stepped-aside requests first, then oldest first. */
export function queueOrder(a: RequestForMatching, b: RequestForMatching): number {
  return b.priority - a.priority || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * One round of matching: each request in queue order gets the best eligible
 * volunteer not already taken this round. Returns (request, volunteer) pairs;
 * a request nobody fits yet stays waiting and does not hold up the others.
 */
export function planOffers(
  requests: readonly RequestForMatching[],
  volunteers: readonly VolunteerForMatching[],
  now: number,
): { requestId: string; volunteerId: string }[] {
  const taken = new Set<string>();
  const plan: { requestId: string; volunteerId: string }[] = [];
  for (const r of [...requests].sort(queueOrder)) {
    const best = rankVolunteers(
      r,
      volunteers.filter((v) => !taken.has(v.id)),
      now,
    )[0];
    if (!best) continue;
    taken.add(best.id);
    plan.push({ requestId: r.id, volunteerId: best.id });
  }
  return plan;
}

/** The honest line workers see before asking. */
export function availabilityText(
  onCall: number,
  nextDropIn: { time: string; day: string; openNow?: boolean } | null,
): string {
  if (onCall > 0) return `${onCall} ${onCall === 1 ? "volunteer is" : "volunteers are"} on call now`;
  const next = !nextDropIn
    ? ""
    : nextDropIn.openNow
      ? ": a drop-in is open now"
      : `: the next drop-in is ${dayInSentence(nextDropIn.day)} at ${nextDropIn.time}`;
  return `Nobody is free right now${next}`;
}

/** Whether a talk-line slot can be confirmed as "on call" at `now` (from 10 minutes before until its end). */
export function canConfirmSlot(slot: { startsAt: number; endsAt: number }, now: number): boolean {
  return now >= slot.startsAt - CONFIRM_EARLY_MS && now < slot.endsAt;
}
