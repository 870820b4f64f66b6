import { randomUUID } from "node:crypto";
import { channelOf, memberAlias, type Effect, type Handover, type Identity } from "@offshift/core";
import { client, type Db, type TxClient } from "../client.js";
import { attendanceKey } from "../dropins/mutations.js";
import { handOverSessionsIn, handoverEffects } from "../dropins/handover.js";
import { withdrawOffersOfIn, type ClosedOffer } from "../talk/matching.js";
import { asRequester, asWorker } from "../talk/identity.js";

/** Everything Offshift holds about a person, for download: every table with a row about them. */
export async function exportPersonData(handle: Db, personId: string, now: Date) {
  const db = client(handle);
  const person = await db.person.findUnique({
    where: { id: personId },
    select: {
      id: true,
      displayName: true,
      email: true,
      roles: true,
      status: true,
      languages: true,
      experience: true,
      codeOfConductAcceptedAt: true,
      decidedAt: true,
      createdAt: true,
      volunteerRota: { select: { shifts: true, pattern: true, preferences: true, createdAt: true } },
      rotaAssignments: {
        select: {
          source: true,
          createdAt: true,
          slot: { select: { startsAt: true, endsAt: true, template: { select: { name: true } } } },
        },
      },
      swapOffers: {
        select: {
          status: true,
          createdAt: true,
          decidedAt: true,
          slot: { select: { startsAt: true, endsAt: true, template: { select: { name: true } } } },
        },
      },
      facilitatedSeries: { select: { title: true, createdAt: true } },
      backupSeries: { select: { title: true, createdAt: true } },
      occurrenceOverrides: { select: { title: true, startsAt: true, endsAt: true, status: true } },
      reminderRequests: {
        select: {
          series: { select: { title: true } },
          occurrence: { select: { startsAt: true } },
          leadMinutes: true,
          createdAt: true,
        },
      },
      talkOffers: { select: { status: true, createdAt: true, expiresAt: true, decidedAt: true } },
      talkCalls: {
        select: {
          status: true,
          startedAt: true,
          endedAt: true,
          endedBy: true,
          outcome: true,
          outcomeAt: true,
          debriefRequestedAt: true,
        },
      },
      onCall: { select: { since: true, until: true, lastCallEndedAt: true } },
      sessions: { select: { createdAt: true, expiresAt: true } },
    },
  });
  if (!person) return null;
  const identity: Identity = { kind: "person", id: personId };
  const [coverTaken, talkRequests, flagsRaised, flagsReviewed, auditEvents, intents, mail] = await Promise.all([
    db.rotaSwapOffer.findMany({
      where: { takenById: personId },
      select: { decidedAt: true, slot: { select: { startsAt: true, endsAt: true } } },
    }),
    db.talkRequest.findMany({
      where: { requesterPersonId: personId },
      select: {
        language: true,
        experience: true,
        status: true,
        createdAt: true,
        matchedAt: true,
        closedAt: true,
        call: { select: { startedAt: true, endedAt: true, endedBy: true } },
      },
    }),
    db.safeguardingFlag.findMany({
      where: { byPersonId: personId },
      select: { category: true, occurrenceId: true, callId: true, createdAt: true, reviewedAt: true },
    }),
    db.safeguardingFlag.findMany({ where: { reviewedById: personId }, select: { category: true, reviewedAt: true } }),
    db.auditEvent.findMany({
      where: { OR: [{ actorPersonId: personId }, { subjectPersonId: personId }] },
      select: { at: true, action: true, actorPersonId: true, subjectPersonId: true, details: true },
      orderBy: { at: "asc" },
    }),
    db.attendanceIntent.findMany({
      where: { browserKey: attendanceKey(channelOf(identity)) },
      select: { createdAt: true, occurrence: { select: { title: true, startsAt: true } } },
    }),
    person.email
      ? db.outboxMail.findMany({
          where: { to: { equals: person.email, mode: "insensitive" } },
          select: { subject: true, notBefore: true, sentAt: true, droppedAt: true, createdAt: true },
        })
      : [],
  ]);
  return {
    exportedAt: now.toISOString(),
    person,
    coverTaken,
    talkRequests,
    safeguardingFlagsRaised: flagsRaised,
    safeguardingFlagsReviewed: flagsReviewed,
    // Other people's ids are not theirs to download: only whether it was them who acted.
    auditEvents: auditEvents.map((e) => ({
      at: e.at,
      action: e.action,
      byYou: e.actorPersonId === personId,
      aboutYou: e.subjectPersonId === personId,
      details: e.details,
    })),
    attendanceIntents: intents,
    mail,
  };
}

export type ErasePersonResult =
  | {
      ok: true;
      /** What became of each upcoming session they were running. */
      handovers: Handover[];
      /** Sessions whose open room ended with the cancellation: realtime takes people out. */
      roomsEnded: string[];
      /** 1:1 offers made to them that were withdrawn: the requesters wait for someone else. */
      withdrawnOffers: ClosedOffer[];
      /** 1:1 calls that ended with the erasure: both sides are told. */
      endedCalls: string[];
      /** Coordinators mailed about the handover. */
      coordinatorsTold: number;
      /** Sign-outs, schedule changes, rooms ended, 1:1 offers closed and calls ended: for the app's dispatcher. */
      effects: Effect[];
    }
  | { ok: false; code: "not_found"; message: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Erasure, in one transaction: everything that identifies the person goes;
 * rows that count towards anonymous totals (calls taken, sessions run, rota
 * slots worked, audit of decisions) stay, re-keyed to a fresh random id that
 * nothing outside the database has ever seen (1:1 requests and calls they made
 * as a worker name nobody), so they link back to nobody.
 * Upcoming sessions they were to run go to the series' backup or are
 * cancelled, and coordinators get one mail saying which.
 */
export async function erasePerson(
  handle: Db,
  input: { personId: string; now: Date; timeZone: string; origin: string; aliasSecret: string },
): Promise<ErasePersonResult> {
  const db = client(handle);
  const { personId, now } = input;
  return db.$transaction(
    async (tx) => {
      const claimed = await tx.$queryRaw<{ email: string | null; displayName: string; roles: string[] }[]>`
        UPDATE "Person" SET "erasedAt" = ${now} WHERE "id" = ${personId}::uuid AND "erasedAt" IS NULL
        RETURNING "email", "displayName", "roles"::text[] AS "roles"`;
      const before = claimed[0];
      // Erased accounts are re-keyed, so a second erasure (a double click) finds nothing too.
      if (!before) return { ok: false, code: "not_found", message: "That account could not be found." } as const;
      const shellId = randomUUID();
      const handed = await handOverSessionsIn(tx, { ...input, eventId: shellId, reason: "deleted" });
      const withdrawnOffers = await withdrawOffersOfIn(tx, personId, now);
      const asVolunteer = await endActiveCalls(tx, { volunteerId: personId, now });
      const asWorker = await forgetIdentityIn(tx, { kind: "person", id: personId }, now, input.aliasSecret);
      const endedCalls = [...asVolunteer.map((c) => c.id), ...asWorker.endedCalls];
      await eraseMailAbout(tx, { personId, email: before.email, displayName: before.displayName });

      await tx.session.deleteMany({ where: { userId: personId } });
      await tx.account.deleteMany({ where: { userId: personId } });
      await tx.volunteerRota.deleteMany({ where: { personId } });
      await tx.onCall.deleteMany({ where: { personId } });
      await tx.talkPresence.deleteMany({ where: { personId } });
      await tx.reminderRequest.deleteMany({ where: { personId } });
      // The row stays (re-keyed), so its foreign-key cascade does not fire: the devices go here.
      await tx.pushSubscription.deleteMany({ where: { personId } });
      await tx.rotaSwapOffer.updateMany({
        where: { fromId: personId, status: "OPEN" },
        data: { status: "WITHDRAWN", decidedAt: now },
      });
      await tx.rotaAssignment.deleteMany({ where: { personId, slot: { startsAt: { gt: now } } } });
      await tx.dropInSeries.updateMany({
        where: { backupFacilitatorId: personId },
        data: { backupFacilitatorId: null },
      });

      // Ids kept outside foreign keys follow the re-keying by hand.
      await tx.dropInOccurrence.updateMany({ where: { openedById: personId }, data: { openedById: shellId } });
      await tx.rotaSwapOffer.updateMany({ where: { takenById: personId }, data: { takenById: shellId } });
      await tx.safeguardingFlag.updateMany({ where: { byPersonId: personId }, data: { byPersonId: shellId } });
      await tx.safeguardingFlag.updateMany({ where: { reviewedById: personId }, data: { reviewedById: shellId } });
      await tx.auditEvent.updateMany({ where: { actorPersonId: personId }, data: { actorPersonId: shellId } });
      await tx.auditEvent.updateMany({ where: { subjectPersonId: personId }, data: { subjectPersonId: shellId } });
      await tx.$executeRaw`
        UPDATE "AuditEvent" SET "details" = replace("details"::text, ${personId}, ${shellId})::jsonb
        WHERE strpos("details"::text, ${personId}) > 0`;

      const wasFacilitator = before.roles.includes("FACILITATOR");
      await tx.person.update({
        where: { id: personId },
        data: {
          displayName: wasFacilitator ? "Former facilitator" : "Former volunteer",
          email: null,
          emailVerified: false,
          image: null,
          languages: [],
          experience: [],
          codeOfConductAcceptedAt: null,
          status: "SUSPENDED",
        },
      });
      // Every foreign key to Person cascades on update, so this moves every kept row to the shell id.
      await tx.$executeRaw`UPDATE "Person" SET "id" = ${shellId}::uuid WHERE "id" = ${personId}::uuid`;
      await tx.auditEvent.create({ data: { at: now, action: "account.erased", subjectPersonId: shellId } });
      const closed = [...withdrawnOffers, ...asWorker.withdrawn];
      const effects: Effect[] = [
        { kind: "disconnectPerson", personId },
        ...handoverEffects(handed),
        ...talkEffects(closed, endedCalls, now),
      ];
      return { ok: true, ...handed, withdrawnOffers: closed, endedCalls, effects } as const;
    },
    { timeout: 30_000 },
  );
}

async function endActiveCalls(tx: TxClient, where: { volunteerId?: string; worker?: Identity; now: Date }) {
  const side = where.volunteerId ? "volunteer" : "worker";
  const calls = await tx.talkCall.updateManyAndReturn({
    where: {
      status: "ACTIVE",
      ...(where.volunteerId ? { volunteerId: where.volunteerId } : asWorker(where.worker!)),
    },
    data: { status: "ENDED", endedAt: where.now, endedBy: side },
    select: { id: true, volunteerId: true },
  });
  for (const c of calls) {
    await tx.talkPresence.deleteMany({ where: { callId: c.id } });
    await tx.onCall.updateMany({ where: { personId: c.volunteerId }, data: { lastCallEndedAt: where.now } });
  }
  return calls;
}

/**
 * What a guest or person leaves behind as a worker: open requests are closed
 * (pending offers withdrawn), live calls end, and the rows kept for the 1:1
 * line's totals name nobody any more (so they link to no one, nor to each other).
 */
async function forgetIdentityIn(
  tx: TxClient,
  identity: Identity,
  now: Date,
  aliasSecret: string,
): Promise<{ withdrawn: ClosedOffer[]; endedCalls: string[] }> {
  const open = await tx.talkRequest.findMany({
    where: { ...asRequester(identity), status: { in: ["WAITING", "OFFERED"] } },
    select: { id: true },
  });
  const ids = open.map((r) => r.id);
  const withdrawn =
    ids.length === 0
      ? []
      : await tx.$queryRaw<{ offerId: string; volunteerId: string }[]>`
          UPDATE "TalkOffer" SET "status" = 'WITHDRAWN', "decidedAt" = ${now}
          WHERE "requestId" = ANY(${ids}::uuid[]) AND "status" = 'PENDING'
          RETURNING "id" AS "offerId", "volunteerId"`;
  await tx.talkRequest.updateMany({
    where: { id: { in: ids }, status: { in: ["WAITING", "OFFERED"] } },
    data: { status: "CANCELLED", closedAt: now },
  });
  // Their waiting pages (a request's proof of a live worker) go with the request.
  await tx.talkPresence.deleteMany({ where: asRequester(identity) });
  const ended = await endActiveCalls(tx, { worker: identity, now });
  // A concern raised after a call with them stays counted, but its call no longer points at anyone.
  await tx.talkRequest.updateMany({
    where: asRequester(identity),
    data: { requesterPersonId: null, requesterGuestId: null },
  });
  await tx.talkCall.updateMany({ where: asWorker(identity), data: { workerPersonId: null, workerGuestId: null } });
  const key = channelOf(identity);
  await tx.attendanceIntent.deleteMany({ where: { browserKey: attendanceKey(key) } });
  // Live rooms know members by a per-room alias: their side-chat lines and sockets there go now
  // (realtime takes them out of the member list as their sockets close).
  for (const { occurrenceId } of await tx.liveRoom.findMany({ select: { occurrenceId: true } })) {
    const alias = memberAlias(aliasSecret, occurrenceId, key);
    await tx.roomChatLine.deleteMany({ where: { occurrenceId, memberId: alias } });
    await tx.roomPresence.deleteMany({ where: { occurrenceId, memberId: alias } });
  }
  return {
    withdrawn: withdrawn.map((w) => ({ ...w, requester: identity, reason: "withdrawn" as const })),
    endedCalls: ended.map((c) => c.id),
  };
}

/**
 * Mail to them or naming them: queued, sent or kept by the development
 * mailbox; unused sign-in links holding their address.
 */
async function eraseMailAbout(tx: TxClient, who: { personId: string; email: string | null; displayName: string }) {
  const name = `\\m${escapeRegex(who.displayName.trim())}\\M`;
  const debriefs = (await tx.talkCall.findMany({ where: { volunteerId: who.personId }, select: { id: true } })).map(
    (c) => `talk-debrief:${c.id}:%`,
  );
  const email = (who.email ?? "").toLowerCase();
  await tx.$executeRaw`
    DELETE FROM "OutboxMail"
    WHERE (${email} <> '' AND (lower("to") = ${email} OR strpos(lower("text"), ${email}) > 0))
       OR "subject" ~* ${name} OR "text" ~* ${name}
       OR strpos("dedupeKey", ${who.personId}) > 0 OR strpos("text", ${who.personId}) > 0
       OR "dedupeKey" LIKE ANY(${debriefs}::text[])`;
  await tx.$executeRaw`
    DELETE FROM "DevMail"
    WHERE (${email} <> '' AND (lower("to") = ${email} OR strpos(lower("text"), ${email}) > 0))
       OR "subject" ~* ${name} OR "text" ~* ${name} OR strpos("text", ${who.personId}) > 0`;
  if (email) {
    // better-auth keeps a link's address in the row's value (JSON) and, for some flows, as its identifier.
    await tx.$executeRaw`
      DELETE FROM "Verification" WHERE strpos(lower("value"), ${email}) > 0 OR lower("identifier") = ${email}`;
  }
}

/** What the 1:1 line's pages must hear when someone leaves it outside realtime. */
const talkEffects = (closed: ClosedOffer[], endedCalls: string[], at: Date): Effect[] => [
  {
    kind: "talkOffersClosed",
    offers: closed.map(({ offerId, volunteerId, requester }) => ({ offerId, volunteerId, requester })),
  },
  { kind: "callsEnded", callIds: endedCalls, at },
];

export type ForgetGuestResult =
  | { ok: true; withdrawnOffers: ClosedOffer[]; endedCalls: string[]; effects: Effect[] }
  | { ok: false; code: "not_found"; message: string };

/**
 * "Forget me on this device": the guest row goes, and everything keyed to it
 * is erased or, where it counts towards the 1:1 line's anonymous totals,
 * re-keyed at random (so coordinators' numbers stay true).
 */
export async function forgetGuest(
  handle: Db,
  input: { guestId: string; now: Date; aliasSecret: string },
): Promise<ForgetGuestResult> {
  const db = client(handle);
  return db.$transaction(async (tx) => {
    // Held until the end: the guest's rows are let go of first (deleting the guest would only blank
    // them, leaving their open request unclosed); a second "forget" waits here and then finds nobody.
    const held = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Guest" WHERE "id"::text = ${input.guestId} FOR UPDATE`;
    if (held.length === 0)
      return { ok: false, code: "not_found", message: "There is nothing to forget on this device." } as const;
    const left = await forgetIdentityIn(tx, { kind: "guest", id: input.guestId }, input.now, input.aliasSecret);
    await tx.guest.delete({ where: { id: input.guestId } });
    const effects = talkEffects(left.withdrawn, left.endedCalls, input.now);
    return { ok: true, withdrawnOffers: left.withdrawn, endedCalls: left.endedCalls, effects } as const;
  });
}

export async function endAllSessions(handle: Db, personId: string): Promise<number> {
  const db = client(handle);
  return (await db.session.deleteMany({ where: { userId: personId } })).count;
}
