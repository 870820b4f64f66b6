import { can, firstName, refuse, type Actor, type Effect, type Refusal } from "@offshift/core";
import { client, type Db } from "./client.js";
import { audit } from "./audit.js";

export interface SafeguardingRow {
  id: string;
  category: string;
  createdAt: Date;
  reviewedAt: Date | null;
  /** The session it came from (a drop-in's title), if any. */
  session: string | null;
  sessionStartsAt: Date | null;
  /** First name of the volunteer or facilitator who raised it. */
  raisedBy: string;
  /** Whether it is about one participant (known only by their per-session alias). */
  aboutSomeone: boolean;
  /** Raised after a 1:1 call rather than in a drop-in. */
  fromCall: boolean;
}

/** Concerns for coordinators, newest first; open ones before reviewed ones. */
export async function listSafeguardingFlags(handle: Db, limit = 100): Promise<SafeguardingRow[]> {
  const db = client(handle);
  const flags = await db.safeguardingFlag.findMany({
    orderBy: [{ reviewedAt: { sort: "asc", nulls: "first" } }, { createdAt: "desc" }],
    take: limit,
  });
  const people = await db.person.findMany({
    where: { id: { in: [...new Set(flags.map((f) => f.byPersonId))] } },
    select: { id: true, displayName: true },
  });
  const occurrences = await db.dropInOccurrence.findMany({
    where: { id: { in: flags.map((f) => f.occurrenceId).filter((id): id is string => !!id) } },
    select: { id: true, title: true, startsAt: true },
  });
  // A concern raised after a call is about the call's worker while the call still names them (not once erased).
  const calls = await db.talkCall.findMany({
    where: { id: { in: flags.map((f) => f.callId).filter((id): id is string => !!id) } },
    select: { id: true, workerPersonId: true, workerGuestId: true },
  });
  const callAboutSomeone = new Set(calls.filter((c) => c.workerPersonId || c.workerGuestId).map((c) => c.id));
  const name = new Map(people.map((p) => [p.id, firstName(p.displayName)]));
  const occ = new Map(occurrences.map((o) => [o.id, o]));
  return flags.map((f) => ({
    id: f.id,
    category: f.category,
    createdAt: f.createdAt,
    reviewedAt: f.reviewedAt,
    session: f.occurrenceId ? (occ.get(f.occurrenceId)?.title ?? null) : null,
    sessionStartsAt: f.occurrenceId ? (occ.get(f.occurrenceId)?.startsAt ?? null) : null,
    raisedBy: name.get(f.byPersonId) ?? "Former volunteer",
    aboutSomeone: !!f.subjectKey || (!!f.callId && callAboutSomeone.has(f.callId)),
    fromCall: !!f.callId,
  }));
}

const reviewRefusals = {
  forbidden: "Only coordinators review safeguarding concerns.",
  not_found: "That concern could not be found.",
  already_reviewed: "That concern was already reviewed.",
} as const;

export type ReviewSafeguardingResult = { ok: true; effects: Effect[] } | Refusal<keyof typeof reviewRefusals>;

/** A coordinator marks a concern reviewed, once; audited in the same transaction. */
export async function reviewSafeguardingFlag(
  handle: Db,
  actor: Actor,
  input: { flagId: string; now: Date },
): Promise<ReviewSafeguardingResult> {
  const db = client(handle);
  const no = (code: keyof typeof reviewRefusals) => refuse(code, reviewRefusals[code]);
  if (actor.kind !== "person" || !can(actor, "safeguarding.review")) return no("forbidden");
  const byPersonId = actor.personId;
  return db.$transaction(async (tx): Promise<ReviewSafeguardingResult> => {
    const updated = await tx.safeguardingFlag.updateMany({
      where: { id: input.flagId, reviewedAt: null },
      data: { reviewedAt: input.now, reviewedById: byPersonId },
    });
    if (updated.count === 0) {
      const exists = await tx.safeguardingFlag.count({ where: { id: input.flagId } });
      return no(exists ? "already_reviewed" : "not_found");
    }
    await audit(tx, {
      at: input.now,
      action: "safeguarding.review",
      by: byPersonId,
      details: { flagId: input.flagId },
    });
    return { ok: true, effects: [] };
  });
}
