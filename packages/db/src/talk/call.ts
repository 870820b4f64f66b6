import {
  firstName,
  PRESENCE_STALE_MS,
  sameIdentity,
  type CallAfterInput,
  type Actor,
  type CallView,
  type Identity,
} from "@offshift/core";
import { client, type Client, type Db } from "../client.js";
import { enqueueMail } from "../mail/outbox.js";
import { refuse, type TalkResult } from "./requests.js";
import { workerOf } from "./identity.js";
import { audit } from "../audit.js";

type Side = "worker" | "volunteer";

const partiesOf = (call: { workerPersonId: string | null; workerGuestId: string | null; volunteerId: string }) => ({
  worker: workerOf(call),
  volunteer: { kind: "person", id: call.volunteerId } as Identity,
});

/** Which side of this call an identity is on, or null if it is not theirs. */
export async function callSide(
  handle: Db,
  input: { callId: string; identity: Identity | null },
): Promise<{ side: Side; status: "ACTIVE" | "ENDED" } | null> {
  const db = client(handle);
  const call = await db.talkCall.findUnique({
    where: { id: input.callId },
    select: { workerPersonId: true, workerGuestId: true, volunteerId: true, status: true },
  });
  if (!call || !input.identity) return null;
  const parties = partiesOf(call);
  if (sameIdentity(input.identity, parties.worker)) return { side: "worker", status: call.status };
  if (sameIdentity(input.identity, parties.volunteer)) return { side: "volunteer", status: call.status };
  return null;
}

/**
 * Who a call is between (the worker, none once erased; and the volunteer),
 * and whether it is still on: what its audio room may hold.
 */
export async function callParties(
  handle: Db,
  callId: string,
): Promise<{ status: "active" | "ended"; parties: { worker: Identity | null; volunteer: Identity } } | null> {
  const db = client(handle);
  const call = await db.talkCall.findUnique({
    where: { id: callId },
    select: { workerPersonId: true, workerGuestId: true, volunteerId: true, status: true },
  });
  if (!call) return null;
  return { status: call.status === "ACTIVE" ? "active" : "ended", parties: partiesOf(call) };
}

/** The call as both sides see it: first name of the volunteer, the worker's nickname, who is here. */
export async function loadCallView(handle: Db, callId: string, now: Date): Promise<Omit<CallView, "me"> | null> {
  const db = client(handle);
  const call = await db.talkCall.findUnique({
    where: { id: callId },
    select: {
      id: true,
      status: true,
      startedAt: true,
      endedBy: true,
      workerPersonId: true,
      workerGuestId: true,
      volunteer: { select: { displayName: true } },
    },
  });
  if (!call) return null;
  const present = await db.talkPresence.findMany({
    where: { callId, kind: "call", heartbeatAt: { gt: new Date(now.getTime() - PRESENCE_STALE_MS) } },
    select: { side: true },
    distinct: ["side"],
  });
  return {
    callId: call.id,
    status: call.status === "ACTIVE" ? "active" : "ended",
    names: { worker: await workerName(db, workerOf(call)), volunteer: firstName(call.volunteer.displayName) },
    present: present.map((p) => p.side as Side).sort((a, b) => (a === "worker" ? -1 : b === "worker" ? 1 : 0)),
    startedAt: call.startedAt.toISOString(),
    endedBy: call.endedBy,
  };
}

async function workerName(db: Client, worker: Identity | null): Promise<string> {
  if (worker?.kind === "guest") {
    const g = await db.guest.findUnique({ where: { id: worker.id }, select: { nickname: true } });
    return g?.nickname ?? "Worker";
  }
  if (worker?.kind === "person") {
    const p = await db.person.findUnique({ where: { id: worker.id }, select: { displayName: true } });
    return p ? firstName(p.displayName) : "Worker";
  }
  return "Worker";
}

/** This socket is in the call (on join, and refreshed by the node heartbeat). */
export async function touchCallPresence(
  handle: Db,
  input: { socketId: string; callId: string; side: Side; nodeId: string; now: Date },
): Promise<void> {
  const db = client(handle);
  await db.talkPresence.upsert({
    where: { socketId_kind: { socketId: input.socketId, kind: "call" } },
    create: {
      socketId: input.socketId,
      kind: "call",
      callId: input.callId,
      side: input.side,
      nodeId: input.nodeId,
      heartbeatAt: input.now,
    },
    update: { callId: input.callId, side: input.side, heartbeatAt: input.now, nodeId: input.nodeId },
  });
}

/** Either side ends the call (once: a second end changes nothing). */
export async function endCall(
  handle: Db,
  input: { callId: string; side: Side; now: Date },
): Promise<TalkResult<{ volunteerId: string }>> {
  const db = client(handle);
  return db.$transaction(async (tx) => {
    const ended = await tx.talkCall.updateManyAndReturn({
      where: { id: input.callId, status: "ACTIVE" },
      data: { status: "ENDED", endedAt: input.now, endedBy: input.side },
      select: { volunteerId: true },
    });
    if (ended.length === 0) return refuse("ended", "This call has already ended.");
    await tx.onCall.updateMany({ where: { personId: ended[0]!.volunteerId }, data: { lastCallEndedAt: input.now } });
    await tx.talkPresence.deleteMany({ where: { callId: input.callId } });
    return { ok: true, volunteerId: ended[0]!.volunteerId } as const;
  });
}

/** What the volunteer's after-call form needs. */
export async function loadCallForVolunteer(
  handle: Db,
  input: { callId: string; personId: string },
): Promise<{ status: "ACTIVE" | "ENDED"; outcome: string | null; debriefRequested: boolean; flagged: boolean } | null> {
  const db = client(handle);
  const call = await db.talkCall.findUnique({
    where: { id: input.callId },
    select: { volunteerId: true, status: true, outcome: true, debriefRequestedAt: true },
  });
  if (!call || call.volunteerId !== input.personId) return null;
  const flagged = (await db.safeguardingFlag.count({ where: { callId: input.callId } })) > 0;
  return { status: call.status, outcome: call.outcome, debriefRequested: !!call.debriefRequestedAt, flagged };
}

/**
 * After the call, the volunteer records an outcome category (once), may
 * flag a safeguarding concern (audited, seen by coordinators only) and may
 * ask for a debrief for themselves, which emails the coordinators through
 * the outbox. Nothing free-text about the worker is accepted or stored.
 */
export async function recordCallOutcome(
  handle: Db,
  input: { actor: Actor; callId: string; after: CallAfterInput; now: Date; origin: string },
): Promise<TalkResult<{ flagged: boolean; debriefQueued: number }>> {
  const db = client(handle);
  const call = await db.talkCall.findUnique({
    where: { id: input.callId },
    select: { volunteerId: true, status: true, outcome: true },
  });
  // Only the volunteer who took it (even one suspended since): to anyone else it does not exist.
  const personId = input.actor.kind === "person" ? input.actor.personId : null;
  if (!call || !personId || call.volunteerId !== personId) return refuse("not_found", "That call could not be found.");
  if (call.status === "ACTIVE") return refuse("invalid", "End the call before recording how it went.");
  if (call.outcome) return refuse("invalid", "You have already recorded how this call went.");
  return db.$transaction(async (tx) => {
    const { count } = await tx.talkCall.updateMany({
      where: { id: input.callId, outcome: null },
      data: {
        outcome: input.after.outcome,
        outcomeAt: input.now,
        ...(input.after.debrief ? { debriefRequestedAt: input.now } : {}),
      },
    });
    if (count === 0) return refuse("invalid", "You have already recorded how this call went.");
    await audit(tx, {
      at: input.now,
      action: "talk.outcome",
      by: personId,
      details: { callId: input.callId, outcome: input.after.outcome },
    });
    let flagged = false;
    if (input.after.safeguarding) {
      await tx.safeguardingFlag.create({
        data: {
          callId: input.callId,
          byPersonId: personId,
          category: input.after.safeguarding,
          // About the call's worker: the call names them (and erasure clears it there), so no subject here.
          createdAt: input.now,
        },
      });
      await audit(tx, {
        at: input.now,
        action: "safeguarding.flag",
        by: personId,
        details: { callId: input.callId, category: input.after.safeguarding },
      });
      flagged = true;
    }
    let debriefQueued = 0;
    if (input.after.debrief) {
      const [volunteer, coordinators] = await Promise.all([
        tx.person.findUnique({ where: { id: personId }, select: { displayName: true } }),
        tx.person.findMany({
          where: { roles: { has: "COORDINATOR" }, status: "APPROVED", erasedAt: null, email: { not: null } },
          select: { id: true, email: true },
        }),
      ]);
      const name = volunteer ? volunteer.displayName : "A volunteer";
      for (const c of coordinators) {
        const queued = await enqueueMail(tx, {
          dedupeKey: `talk-debrief:${input.callId}:${c.id}`,
          notBefore: input.now,
          to: c.email!,
          subject: `${firstName(name)} asked for a debrief after a 1:1 call`,
          text:
            `${name} has just finished a call on the talk line and asked for a debrief for themselves.\n\n` +
            `Please get in touch with them soon. Nothing about the worker they spoke to is included here.\n\n` +
            `${input.origin}/coordinator/talk\n`,
        });
        if (queued) debriefQueued++;
      }
      await audit(tx, { at: input.now, action: "talk.debrief", by: personId, details: { callId: input.callId } });
    }
    return { ok: true, flagged, debriefQueued } as const;
  });
}

/** Calls whose volunteer asked for a debrief, for the coordinator page (no worker details). */
export async function listDebriefRequests(handle: Db, since: Date) {
  const db = client(handle);
  const rows = await db.talkCall.findMany({
    where: { debriefRequestedAt: { gte: since } },
    orderBy: { debriefRequestedAt: "desc" },
    take: 50,
    select: { debriefRequestedAt: true, volunteer: { select: { displayName: true } } },
  });
  return rows.map((r) => ({ at: r.debriefRequestedAt!, volunteer: r.volunteer.displayName }));
}
