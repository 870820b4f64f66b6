import { handoverSummaryMail, planHandover, type DepartingSession, type Effect, type Handover } from "@offshift/core";
import { enqueueMail } from "../mail/outbox.js";
import { cancelOccurrenceIn } from "./series.js";
import { client, type Tx } from "../client.js";

export interface HandoverResult {
  handovers: Handover[];
  /** Sessions whose open room ended with the cancellation: realtime takes people out. */
  roomsEnded: string[];
  coordinatorsTold: number;
}

/** What the pages must hear about a handover: each session's change, and each open room that ended. */
export function handoverEffects(handover: Pick<HandoverResult, "handovers" | "roomsEnded">): Effect[] {
  return [
    ...handover.handovers.map((h): Effect => ({
      kind: "scheduleChanged",
      change: { occurrenceId: h.occurrenceId, change: h.outcome },
    })),
    ...handover.roomsEnded.map((occurrenceId): Effect => ({ kind: "roomCancelled", occurrenceId })),
  ];
}

/**
 * A facilitator who can no longer run sessions (deleted their account, or
 * suspended): each upcoming session they were to run goes to the series'
 * backup if one is free then, else it is cancelled through the cancellation
 * use case; series they led go to the backup; coordinators get one mail.
 * Runs inside the caller's transaction. `eventId` keeps the mail to once.
 */
export async function handOverSessionsIn(
  txHandle: Tx,
  input: {
    personId: string;
    eventId: string;
    reason: "deleted" | "suspended";
    now: Date;
    timeZone: string;
    origin: string;
  },
): Promise<HandoverResult> {
  const tx = client(txHandle);
  const { personId, now } = input;
  const eligible = (p: { id: string; status: string; roles: string[]; erasedAt: Date | null } | null) =>
    !!p && p.id !== personId && p.status === "APPROVED" && p.roles.includes("FACILITATOR") && !p.erasedAt;
  const personSelect = { select: { id: true, displayName: true, status: true, roles: true, erasedAt: true } };
  const upcoming = await tx.dropInOccurrence.findMany({
    where: {
      status: "SCHEDULED",
      endsAt: { gt: now },
      OR: [{ facilitatorId: personId }, { facilitatorId: null, series: { facilitatorId: personId } }],
    },
    select: {
      id: true,
      title: true,
      startsAt: true,
      endsAt: true,
      series: { select: { facilitator: personSelect, backupFacilitator: personSelect } },
    },
  });
  const sessions: DepartingSession[] = [];
  for (const o of upcoming) {
    // The series' lead when it is someone else (they lent this one night), then its backup.
    const candidates = [o.series.facilitator, o.series.backupFacilitator].filter(eligible);
    const cover = [];
    for (const c of candidates) {
      const busy = await tx.dropInOccurrence.count({
        where: {
          id: { not: o.id },
          status: "SCHEDULED",
          startsAt: { lt: o.endsAt },
          endsAt: { gt: o.startsAt },
          OR: [{ facilitatorId: c!.id }, { facilitatorId: null, series: { facilitatorId: c!.id } }],
        },
      });
      cover.push({ id: c!.id, displayName: c!.displayName, busy: busy > 0 });
    }
    sessions.push({ occurrenceId: o.id, title: o.title, startsAt: o.startsAt, endsAt: o.endsAt, cover });
  }
  const handovers = planHandover(sessions, personId);
  const roomsEnded: string[] = [];
  for (const h of handovers) {
    if (h.outcome === "reassigned") {
      await tx.dropInOccurrence.update({ where: { id: h.occurrenceId }, data: { facilitatorId: h.toId } });
      await tx.auditEvent.create({
        data: {
          at: now,
          action: "occurrence.reassign",
          subjectPersonId: h.toId,
          details: { occurrenceId: h.occurrenceId, reason: "facilitator_left" },
        },
      });
    } else {
      const r = await cancelOccurrenceIn(tx, { occurrenceId: h.occurrenceId, byPersonId: null, now });
      if (r.ok && r.roomEnded) roomsEnded.push(h.occurrenceId);
    }
  }

  // Series they led: to the backup if there is one who can lead, else they stop making sessions.
  // A suspended lead becomes the backup (ineligible while suspended), so reinstating can swap back.
  const led = await tx.dropInSeries.findMany({
    where: { facilitatorId: personId },
    select: { id: true, title: true, backupFacilitator: personSelect },
  });
  const seriesToBackup: string[] = [];
  const seriesStopped: string[] = [];
  for (const s of led) {
    if (eligible(s.backupFacilitator)) {
      await tx.dropInSeries.update({
        where: { id: s.id },
        data: {
          facilitatorId: s.backupFacilitator!.id,
          backupFacilitatorId: input.reason === "suspended" ? personId : null,
        },
      });
      seriesToBackup.push(s.title);
    } else seriesStopped.push(s.title);
  }

  let coordinatorsTold = 0;
  if (handovers.length > 0 || led.length > 0) {
    const mail = handoverSummaryMail(handovers, {
      timeZone: input.timeZone,
      origin: input.origin,
      seriesToBackup,
      seriesStopped,
      reason: input.reason,
    });
    const coordinators = await tx.person.findMany({
      where: { roles: { has: "COORDINATOR" }, status: "APPROVED", erasedAt: null, email: { not: null } },
      select: { id: true, email: true },
    });
    for (const c of coordinators) {
      if (
        await enqueueMail(tx, {
          dedupeKey: `facilitator-left:${input.eventId}:${c.id}`,
          notBefore: now,
          to: c.email!,
          ...mail,
        })
      )
        coordinatorsTold++;
    }
  }
  return { handovers, roomsEnded, coordinatorsTold };
}
