import { randomUUID } from "node:crypto";
import type { VolunteerApplicationInput } from "@offshift/core";
import type { Db } from "../client.js";
import { handOverSessionsIn, type HandoverResult } from "../dropins/handover.js";
import type { PersonStatus } from "../generated/prisma/enums.js";

/**
 * Records an application. Answers the same way whether or not the email is
 * already known, so the form cannot be used to discover who volunteers.
 */
export async function submitVolunteerApplication(
  db: Db,
  input: VolunteerApplicationInput,
  now = new Date(),
): Promise<{ created: boolean; personId: string | null }> {
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

export async function listVolunteers(db: Db): Promise<ApplicationRow[]> {
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
    }
  | { ok: false; reason: "not_found" | "not_allowed_in_this_state" | "own_account" };

const transitions: Record<Decision, { from: PersonStatus[]; to: PersonStatus }> = {
  approve: { from: ["APPLIED"], to: "APPROVED" },
  // A rejected application is suspended: it cannot sign in, and it is kept
  // (not deleted) so the same email cannot silently re-apply.
  reject: { from: ["APPLIED"], to: "SUSPENDED" },
  suspend: { from: ["APPROVED"], to: "SUSPENDED" },
  reinstate: { from: ["SUSPENDED"], to: "APPROVED" },
};

/**
 * A coordinator's decision. The status changes only from the expected state
 * (a conditional update settles two coordinators clicking at once); a
 * suspension ends every session of that person in the same transaction, and
 * the sessions they were to facilitate go to backups or are cancelled.
 */
export async function decideApplication(
  db: Db,
  input: {
    actorPersonId: string;
    personId: string;
    decision: Decision;
    now: Date;
    timeZone: string;
    origin: string;
  },
): Promise<DecisionResult> {
  if (input.actorPersonId === input.personId) return { ok: false, reason: "own_account" };
  const t = transitions[input.decision];
  return db.$transaction(async (tx) => {
    const updated = await tx.person.updateMany({
      where: { id: input.personId, status: { in: t.from }, erasedAt: null },
      data: { status: t.to, decidedAt: input.now },
    });
    if (updated.count === 0) {
      const exists = await tx.person.count({ where: { id: input.personId, erasedAt: null } });
      return { ok: false, reason: exists ? "not_allowed_in_this_state" : "not_found" } as const;
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
        actorPersonId: input.actorPersonId,
        subjectPersonId: input.personId,
      },
    });
    const person = await tx.person.findUniqueOrThrow({
      where: { id: input.personId },
      select: { id: true, email: true, displayName: true, status: true },
    });
    return { ok: true, person, endedSessions: ended.count, handover } as const;
  });
}

/**
 * An optional worker account (for reminders). Approved at once: workers are
 * not vetted. An email already in use is left as it is, and the caller
 * answers the same either way.
 */
export async function createWorkerAccount(
  db: Db,
  input: { email: string; nickname: string },
): Promise<{ created: boolean }> {
  const rows = await db.person.createManyAndReturn({
    data: [{ displayName: input.nickname, email: input.email, roles: ["WORKER"], status: "APPROVED" }],
    skipDuplicates: true,
    select: { id: true },
  });
  return { created: rows.length === 1 };
}
