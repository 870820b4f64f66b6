import { randomUUID } from "node:crypto";
import {
  can,
  refuse,
  type Action,
  type Actor,
  type Effect,
  type Refusal,
  type VolunteerApplicationInput,
} from "@offshift/core";
import { client, type Db } from "../client.js";
import { handOverSessionsIn, handoverEffects, type HandoverResult } from "../dropins/handover.js";
import type { PersonStatus } from "../generated/prisma/enums.js";

/**
 * Records an application. Answers the same way whether or not the email is
 * already known, so the form cannot be used to discover who volunteers.
 */
export async function submitVolunteerApplication(
  handle: Db,
  input: VolunteerApplicationInput,
  now = new Date(),
): Promise<{ created: boolean; personId: string | null }> {
  const db = client(handle);
  const result = await db.person.createManyAndReturn({
    data: [
      {
        displayName: input.name,
        email: input.email,
        roles: ["VOLUNTEER"],
        status: "APPLIED",
        languages: input.languages,
        experience: input.experience,
        codeOfConductAcceptedAt: now,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  const created = result[0];
  if (created) {
    await db.auditEvent.create({ data: { action: "application.submitted", subjectPersonId: created.id } });
  }
  return { created: Boolean(created), personId: created?.id ?? null };
}

export interface ApplicationRow {
  id: string;
  displayName: string;
  email: string | null;
  status: PersonStatus;
  roles: string[];
  languages: string[];
  experience: string[];
  createdAt: Date;
}

export async function listVolunteers(handle: Db): Promise<ApplicationRow[]> {
  const db = client(handle);
  return db.person.findMany({
    where: { erasedAt: null, roles: { hasSome: ["VOLUNTEER", "FACILITATOR"] } },
    orderBy: [{ status: "asc" }, { createdAt: "asc" }],
    select: {
      id: true,
      displayName: true,
      email: true,
      status: true,
      roles: true,
      languages: true,
      experience: true,
      createdAt: true,
    },
  });
}

export type Decision = "approve" | "reject" | "suspend" | "reinstate";

export type DecisionResult =
  | {
      ok: true;
      person: { id: string; email: string | null; displayName: string; status: PersonStatus };
      endedSessions: number;
      /** A suspended facilitator's upcoming sessions: to backups or cancelled (empty otherwise). */
      handover: HandoverResult;
      effects: Effect[];
    }
  | Refusal<keyof typeof decisionRefusals>;

const decisionRefusals = {
  forbidden: "Only a coordinator can decide about volunteers.",
  not_found: "That person could not be found.",
  not_allowed_in_this_state:
    "That decision no longer applies: someone may have decided already. The list is up to date now.",
  own_account: "You can't make decisions about your own account.",
} as const;

const transitions: Record<Decision, { from: PersonStatus[]; to: PersonStatus; permission: Action }> = {
  approve: { from: ["APPLIED"], to: "APPROVED", permission: "application.review" },
  // A rejected application is suspended: it cannot sign in, and it is kept
  // (not deleted) so the same email cannot silently re-apply.
  reject: { from: ["APPLIED"], to: "SUSPENDED", permission: "application.review" },
  suspend: { from: ["APPROVED"], to: "SUSPENDED", permission: "person.suspend" },
  reinstate: { from: ["SUSPENDED"], to: "APPROVED", permission: "person.suspend" },
};

/** The mail a decision sends (approval and reinstatement send a sign-in link instead). */
const decisionMail = {
  reject: {
    subject: "Your Offshift volunteer application",
    text: "Thank you for applying to volunteer with Offshift. We're not able to take your application forward at the moment.",
  },
  suspend: {
    subject: "Your Offshift account is paused",
    text: "Your Offshift volunteer account has been paused by a coordinator, and you have been signed out. A coordinator will be in touch.",
  },
} as const;

/** What a committed decision sets going: sign-outs, schedule changes, rooms ended, the person's mail. */
function decisionEffects(
  decision: Decision,
  person: { id: string; email: string | null },
  handover: HandoverResult,
  now: Date,
): Effect[] {
  const effects: Effect[] = [];
  if (decision === "suspend" || decision === "reject") effects.push({ kind: "disconnectPerson", personId: person.id });
  effects.push(...handoverEffects(handover));
  if (person.email) {
    if (decision === "approve" || decision === "reinstate")
      effects.push({ kind: "signInLink", email: person.email, purpose: "approved" });
    else
      effects.push({
        kind: "mail",
        to: person.email,
        ...decisionMail[decision],
        dedupeKey: `application.${decision}:${person.id}:${now.toISOString()}`,
      });
  }
  return effects;
}

/**
 * A coordinator's decision. The status changes only from the expected state
 * (a conditional update settles two coordinators clicking at once); a
 * suspension ends every session of that person in the same transaction, and
 * the sessions they were to facilitate go to backups or are cancelled.
 */
export async function decideApplication(
  handle: Db,
  actor: Actor,
  input: {
    personId: string;
    decision: Decision;
    now: Date;
    timeZone: string;
    origin: string;
  },
): Promise<DecisionResult> {
  const db = client(handle);
  const no = (code: keyof typeof decisionRefusals) => refuse(code, decisionRefusals[code]);
  const t = transitions[input.decision];
  if (actor.kind !== "person" || !can(actor, t.permission)) return no("forbidden");
  if (actor.personId === input.personId) return no("own_account");
  return db.$transaction(async (tx) => {
    const updated = await tx.person.updateMany({
      where: { id: input.personId, status: { in: t.from }, erasedAt: null },
      data: { status: t.to, decidedAt: input.now },
    });
    if (updated.count === 0) {
      const exists = await tx.person.count({ where: { id: input.personId, erasedAt: null } });
      return no(exists ? "not_allowed_in_this_state" : "not_found");
    }
    const ended =
      t.to === "SUSPENDED" ? await tx.session.deleteMany({ where: { userId: input.personId } }) : { count: 0 };
    const handover =
      input.decision === "suspend"
        ? await handOverSessionsIn(tx, {
            personId: input.personId,
            eventId: randomUUID(),
            reason: "suspended",
            now: input.now,
            timeZone: input.timeZone,
            origin: input.origin,
          })
        : { handovers: [], roomsEnded: [], coordinatorsTold: 0 };
    await tx.auditEvent.create({
      data: {
        at: input.now,
        action: `application.${input.decision}`,
        actorPersonId: actor.personId,
        subjectPersonId: input.personId,
      },
    });
    const person = await tx.person.findUniqueOrThrow({
      where: { id: input.personId },
      select: { id: true, email: true, displayName: true, status: true },
    });
    const effects = decisionEffects(input.decision, person, handover, input.now);
    return { ok: true, person, endedSessions: ended.count, handover, effects } as const;
  });
}

/**
 * An optional worker account (for reminders). Approved at once: workers are
 * not vetted. An email already in use is left as it is, and the caller
 * answers the same either way.
 */
export async function createWorkerAccount(
  handle: Db,
  input: { email: string; nickname: string },
): Promise<{ created: boolean }> {
  const db = client(handle);
  const rows = await db.person.createManyAndReturn({
    data: [{ displayName: input.nickname, email: input.email, roles: ["WORKER"], status: "APPROVED" }],
    skipDuplicates: true,
    select: { id: true },
  });
  return { created: rows.length === 1 };
}
