import { randomBytes } from "node:crypto";
import { firstName, isFeedToken, type CalendarRotaSlot, type CalendarSession } from "@offshift/core";
import { client, type Db } from "../client.js";
import { hashToken } from "../people/guests.js";

const DAY_MS = 86_400_000;
/** How far back and ahead a feed reaches. */
export const FEED_PAST_DAYS = 14;
export const FEED_AHEAD_DAYS = 56;

/**
 * A new secret feed token for a volunteer; the old URL stops working at once.
 * Only its sha256 is stored, so the URL is shown to them once.
 */
export async function createFeedToken(handle: Db, input: { personId: string }): Promise<string> {
  const db = client(handle);
  const token = randomBytes(32).toString("base64url");
  const feedTokenHash = hashToken(token);
  await db.$transaction(async (tx) => {
    await tx.volunteerRota.upsert({
      where: { personId: input.personId },
      create: { personId: input.personId, feedTokenHash },
      update: { feedTokenHash },
    });
    await tx.auditEvent.create({
      data: { action: "rota.feed.create", actorPersonId: input.personId, subjectPersonId: input.personId },
    });
  });
  return token;
}

/** Turn the feed off: the URL answers 404 from now on. */
export async function turnOffFeed(handle: Db, input: { personId: string }): Promise<void> {
  const db = client(handle);
  await db.$transaction(async (tx) => {
    await tx.volunteerRota.updateMany({ where: { personId: input.personId }, data: { feedTokenHash: null } });
    await tx.auditEvent.create({
      data: { action: "rota.feed.off", actorPersonId: input.personId, subjectPersonId: input.personId },
    });
  });
}

export interface VolunteerFeed {
  firstName: string;
  slots: CalendarRotaSlot[];
  sessions: CalendarSession[];
}

/**
 * What a feed token shows: the volunteer's rota slots and the drop-ins they
 * facilitate (cancelled ones too, so calendars remove them). Null for an
 * unknown or revoked token, or an account that is suspended or erased.
 */
export async function loadVolunteerFeed(
  handle: Db,
  input: { token: string; now: Date },
): Promise<VolunteerFeed | null> {
  const db = client(handle);
  if (!isFeedToken(input.token)) return null;
  const row = await db.volunteerRota.findUnique({
    where: { feedTokenHash: hashToken(input.token) },
    select: { person: { select: { id: true, displayName: true, status: true, erasedAt: true } } },
  });
  if (!row || row.person.status !== "APPROVED" || row.person.erasedAt) return null;
  const personId = row.person.id;
  const from = new Date(input.now.getTime() - FEED_PAST_DAYS * DAY_MS);
  const to = new Date(input.now.getTime() + FEED_AHEAD_DAYS * DAY_MS);
  const [assignments, occurrences] = await Promise.all([
    db.rotaAssignment.findMany({
      where: { personId, slot: { startsAt: { gte: from, lt: to } } },
      orderBy: { slot: { startsAt: "asc" } },
      select: {
        createdAt: true,
        slot: { select: { id: true, startsAt: true, endsAt: true, template: { select: { name: true } } } },
      },
    }),
    db.dropInOccurrence.findMany({
      where: { facilitatorId: personId, startsAt: { gte: from, lt: to } },
      orderBy: { startsAt: "asc" },
      select: {
        id: true,
        title: true,
        theme: true,
        description: true,
        startsAt: true,
        endsAt: true,
        status: true,
        updatedAt: true,
      },
    }),
  ]);
  return {
    firstName: firstName(row.person.displayName),
    slots: assignments.map((a) => ({
      slotId: a.slot.id,
      name: a.slot.template.name,
      startsAt: a.slot.startsAt,
      endsAt: a.slot.endsAt,
      updatedAt: a.createdAt,
    })),
    sessions: occurrences.map((o) => ({
      occurrenceId: o.id,
      title: o.title,
      theme: o.theme,
      description: o.description,
      startsAt: o.startsAt,
      endsAt: o.endsAt,
      cancelled: o.status === "CANCELLED",
      updatedAt: o.updatedAt,
    })),
  };
}
