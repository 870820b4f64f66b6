import {
  can,
  dropNotice,
  isId,
  refuse,
  signUpNotice,
  type Actor,
  type Effect,
  type Eligibility,
  type Reason,
  type Refusal,
  type RotaChanged,
} from "@offshift/core";
import { client, type ClientOrTx, type Db } from "../client.js";
import { loadEligibility } from "./eligibility.js";

/**
 * A volunteer's own rota moves: sign up, drop (with notice), ask for cover,
 * withdraw that request, take someone else's. Each is one transaction; races
 * are settled in SQL (a row lock on the slot for capacity, a conditional
 * update for claiming a cover request). Each takes the actor and asks can()
 * itself, words its own refusals, and returns what should follow a success
 * as effects (open rota pages told the slot changed); the caller dispatches them.
 */

/** Many volunteers may queue on one slot's lock; give them time rather than failing. */
const TX_OPTIONS = { maxWait: 20_000, timeout: 30_000 } as const;

export type RotaRefusal<R extends string> = Refusal<R>;
export type NotEligible = Refusal<"not_eligible"> & { reasons: Reason[] };
type Done<T> = { ok: true; effects: Effect[] } & T;
type Forbidden = Refusal<"forbidden">;

export type SignUpForRotaSlotResult =
  | Done<{ slotId: string; placesLeft: number; startsAt: Date }>
  | RotaRefusal<"not_found" | "started" | "already_on" | "full">
  | NotEligible
  | ConfirmNotice
  | Forbidden;
/** The slot is inside the drop notice: ask the volunteer to confirm (`understood`) and try again. */
export type ConfirmNotice = Refusal<"confirm_notice"> & { slotId: string; startsAt: Date };
export type DropRotaSlotResult =
  Done<{ slotId: string }> | RotaRefusal<"not_on_slot" | "started" | "notice"> | Forbidden;
export type OfferRotaCoverResult =
  Done<{ slotId: string; offerId: string }> | RotaRefusal<"not_on_slot" | "started" | "already_offered"> | Forbidden;
export type WithdrawRotaCoverOfferResult = Done<{ slotId: string }> | RotaRefusal<"not_found"> | Forbidden;
export type TakeRotaCoverOfferResult =
  Done<{ slotId: string }> | RotaRefusal<"not_found" | "gone" | "own" | "started"> | NotEligible | Forbidden;

/** The one thing a volunteer's move tells the world: open rota pages fetch the slot again. */
const rotaChanged = (slotId: string, change: RotaChanged["change"]): Effect[] => [
  { kind: "rotaChanged", change: { slotIds: [slotId], change } },
];

/** The volunteer acting, if they may use the rota (approved volunteers); else the refusal. */
function volunteer(actor: Actor): { personId: string } | Forbidden {
  if (actor.kind !== "person" || !can(actor, "rota.signUp"))
    return refuse("forbidden", "Only approved volunteers can use the rota.");
  return { personId: actor.personId };
}

const NOT_FOUND_SLOT = "That slot could not be found. It may have been removed from the rota.";
const NOT_ON_SLOT = "You're not on that slot.";
const STARTED = "That slot has already started.";

/** One volunteer's rota moves happen one at a time (their weekly limits depend on all of them). */
async function lockVolunteer(tx: ClientOrTx, personId: string): Promise<void> {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota:volunteer:${personId}`}))`;
}

/**
 * The engine's verdict for one volunteer on one slot (eligibility.ts), or null
 * when it has none: the slot is off the rota. A volunteer without a saved
 * work pattern may still sign themselves up (unlike auto-fill).
 */
async function eligibilityFor(
  tx: ClientOrTx,
  personId: string,
  slot: { id: string; startsAt: Date },
  timeZone: string,
): Promise<Eligibility | null> {
  const loaded = await loadEligibility(tx, { volunteerIds: [personId], slots: [slot], timeZone });
  return loaded.verdict(personId, slot.id);
}

const notEligible = (reasons: Reason[]): NotEligible => ({
  ok: false,
  code: "not_eligible",
  message: `This slot doesn't fit: ${reasons.map((r) => r.message).join("; ")}.`,
  reasons,
});

/**
 * Sign a volunteer up for one slot. Refuses unknown, started and already-held
 * slots and slots the engine says do not fit (with its reasons). Capacity is
 * settled under a row lock on the slot: with one place left and many asking
 * at once, exactly one gets it and the rest hear "full". A slot inside the
 * drop notice (judged at `now`, not when the page was drawn) needs
 * `understood`: the volunteer has been told they cannot then drop it; without
 * it nothing is saved and they are asked (`confirm_notice`).
 */
export async function signUpForRotaSlot(
  handle: Db,
  actor: Actor,
  request: { slotId: string; now: Date; timeZone: string; understood?: boolean },
): Promise<SignUpForRotaSlotResult> {
  const db = client(handle);
  const who = volunteer(actor);
  if ("ok" in who) return who;
  const input = { ...request, personId: who.personId };
  if (!isId(input.slotId)) return refuse("not_found", NOT_FOUND_SLOT);
  return db.$transaction(async (tx): Promise<SignUpForRotaSlotResult> => {
    await lockVolunteer(tx, input.personId);
    const slot = await tx.rotaSlot.findUnique({
      where: { id: input.slotId },
      select: { id: true, startsAt: true, template: { select: { maxVolunteers: true, active: true } } },
    });
    if (!slot || !slot.template.active) return refuse("not_found", NOT_FOUND_SLOT);
    if (slot.startsAt <= input.now)
      return refuse("started", "That slot has already started, so it can't be signed up for.");
    const held = await tx.rotaAssignment.findUnique({
      where: { slotId_personId: { slotId: slot.id, personId: input.personId } },
      select: { slotId: true },
    });
    if (held) return refuse("already_on", "You're already on this slot.");
    const verdict = await eligibilityFor(tx, input.personId, slot, input.timeZone);
    if (!verdict) return refuse("not_found", NOT_FOUND_SLOT);
    if (!verdict.eligible) return notEligible(verdict.reasons);

    // Everyone signing up for this slot queues here; the count then sees every committed place.
    await tx.$queryRaw`SELECT id FROM "RotaSlot" WHERE id = ${slot.id}::uuid FOR UPDATE`;
    const filled = await tx.rotaAssignment.count({ where: { slotId: slot.id } });
    if (filled >= slot.template.maxVolunteers) return refuse("full", "Just filled — someone took the last place.");
    // Asked last, so nobody confirms a sign-up that would be refused anyway.
    const notice = signUpNotice(slot.startsAt, input.now);
    if (notice.inside && !input.understood)
      return { ok: false, code: "confirm_notice", message: notice.message, slotId: slot.id, startsAt: slot.startsAt };
    await tx.rotaAssignment.create({ data: { slotId: slot.id, personId: input.personId, source: "SIGNUP" } });
    return {
      ok: true,
      slotId: slot.id,
      placesLeft: slot.template.maxVolunteers - filled - 1,
      startsAt: slot.startsAt,
      effects: rotaChanged(slot.id, "signup"),
    };
  }, TX_OPTIONS);
}

/** Leave a slot, with at least ROTA_DROP_NOTICE_HOURS to go; inside that, ask for cover instead. */
export async function dropRotaSlot(
  handle: Db,
  actor: Actor,
  request: { slotId: string; now: Date },
): Promise<DropRotaSlotResult> {
  const db = client(handle);
  const who = volunteer(actor);
  if ("ok" in who) return who;
  const input = { ...request, personId: who.personId };
  if (!isId(input.slotId)) return refuse("not_on_slot", NOT_ON_SLOT);
  return db.$transaction(async (tx): Promise<DropRotaSlotResult> => {
    await lockVolunteer(tx, input.personId);
    const held = await tx.rotaAssignment.findUnique({
      where: { slotId_personId: { slotId: input.slotId, personId: input.personId } },
      select: { slot: { select: { startsAt: true } } },
    });
    if (!held) return refuse("not_on_slot", NOT_ON_SLOT);
    const notice = dropNotice(held.slot.startsAt, input.now);
    if (!notice.ok) return refuse(notice.reason, notice.message);
    // A cover request being taken at this moment wins: then there is nothing left to drop.
    const gone = await tx.rotaAssignment.deleteMany({ where: { slotId: input.slotId, personId: input.personId } });
    if (gone.count === 0) return refuse("not_on_slot", NOT_ON_SLOT);
    await tx.rotaSwapOffer.updateMany({
      where: { slotId: input.slotId, fromId: input.personId, status: "OPEN" },
      data: { status: "WITHDRAWN", decidedAt: input.now },
    });
    await tx.auditEvent.create({
      data: {
        action: "rota.drop",
        actorPersonId: input.personId,
        subjectPersonId: input.personId,
        details: { slotId: input.slotId },
      },
    });
    return { ok: true, slotId: input.slotId, effects: rotaChanged(input.slotId, "drop") };
  });
}

/** Ask for someone to cover a slot you hold; it stays yours until someone takes it. */
export async function offerRotaCover(
  handle: Db,
  actor: Actor,
  request: { slotId: string; now: Date },
): Promise<OfferRotaCoverResult> {
  const db = client(handle);
  const who = volunteer(actor);
  if ("ok" in who) return who;
  const input = { ...request, personId: who.personId };
  if (!isId(input.slotId)) return refuse("not_on_slot", NOT_ON_SLOT);
  return db.$transaction(async (tx): Promise<OfferRotaCoverResult> => {
    await lockVolunteer(tx, input.personId);
    const held = await tx.rotaAssignment.findUnique({
      where: { slotId_personId: { slotId: input.slotId, personId: input.personId } },
      select: { slot: { select: { startsAt: true } } },
    });
    if (!held) return refuse("not_on_slot", NOT_ON_SLOT);
    if (held.slot.startsAt <= input.now) return refuse("started", STARTED);
    const open = await tx.rotaSwapOffer.findFirst({
      where: { slotId: input.slotId, fromId: input.personId, status: "OPEN" },
      select: { id: true },
    });
    if (open) return refuse("already_offered", "You've already asked for cover for this slot.");
    const offer = await tx.rotaSwapOffer.create({
      data: { slotId: input.slotId, fromId: input.personId },
      select: { id: true },
    });
    await tx.auditEvent.create({
      data: {
        action: "rota.cover.ask",
        actorPersonId: input.personId,
        subjectPersonId: input.personId,
        details: { slotId: input.slotId, offerId: offer.id },
      },
    });
    return { ok: true, slotId: input.slotId, offerId: offer.id, effects: rotaChanged(input.slotId, "offer") };
  });
}

/** Take back your own open cover request. */
export async function withdrawRotaCoverOffer(
  handle: Db,
  actor: Actor,
  request: { offerId: string; now: Date },
): Promise<WithdrawRotaCoverOfferResult> {
  const db = client(handle);
  const who = volunteer(actor);
  if ("ok" in who) return who;
  const input = { ...request, personId: who.personId };
  const gone = refuse("not_found", "That cover request is no longer open.");
  if (!isId(input.offerId)) return gone;
  return db.$transaction(async (tx): Promise<WithdrawRotaCoverOfferResult> => {
    const offer = await tx.rotaSwapOffer.findFirst({
      where: { id: input.offerId, fromId: input.personId, status: "OPEN" },
      select: { slotId: true },
    });
    if (!offer) return gone;
    const changed = await tx.rotaSwapOffer.updateMany({
      where: { id: input.offerId, fromId: input.personId, status: "OPEN" },
      data: { status: "WITHDRAWN", decidedAt: input.now },
    });
    if (changed.count === 0) return gone;
    await tx.auditEvent.create({
      data: {
        action: "rota.cover.withdraw",
        actorPersonId: input.personId,
        subjectPersonId: input.personId,
        details: { slotId: offer.slotId, offerId: input.offerId },
      },
    });
    return { ok: true, slotId: offer.slotId, effects: rotaChanged(offer.slotId, "offer") };
  });
}

class OfferGone extends Error {}

/**
 * Take another volunteer's slot from their cover request. The taker must be
 * eligible (checked by the engine inside the transaction); the claim is a
 * conditional update, so of two people tapping Take at once exactly one wins,
 * and the slot moves from one to the other in the same transaction.
 */
export async function takeRotaCoverOffer(
  handle: Db,
  actor: Actor,
  request: { offerId: string; now: Date; timeZone: string },
): Promise<TakeRotaCoverOfferResult> {
  const db = client(handle);
  const who = volunteer(actor);
  if ("ok" in who) return who;
  const input = { ...request, personId: who.personId };
  const gone = refuse("gone", "Someone else has just taken this, or it was withdrawn.");
  if (!isId(input.offerId)) return refuse("not_found", "That cover request could not be found.");
  try {
    return await db.$transaction(async (tx): Promise<TakeRotaCoverOfferResult> => {
      await lockVolunteer(tx, input.personId);
      const offer = await tx.rotaSwapOffer.findUnique({
        where: { id: input.offerId },
        select: { status: true, fromId: true, slot: { select: { id: true, startsAt: true } } },
      });
      if (!offer) return refuse("not_found", "That cover request could not be found.");
      if (offer.fromId === input.personId) return refuse("own", "This is your own cover request.");
      if (offer.status !== "OPEN") return gone;
      if (offer.slot.startsAt <= input.now) return refuse("started", STARTED);
      const verdict = await eligibilityFor(tx, input.personId, offer.slot, input.timeZone);
      if (!verdict) return refuse("not_found", NOT_FOUND_SLOT);
      if (!verdict.eligible) return notEligible(verdict.reasons);

      const claimed = await tx.$executeRaw`
        UPDATE "RotaSwapOffer"
        SET status = 'TAKEN', "takenById" = ${input.personId}::uuid, "decidedAt" = ${input.now}
        WHERE id = ${input.offerId}::uuid AND status = 'OPEN'`;
      if (claimed === 0) return gone;
      const moved = await tx.rotaAssignment.deleteMany({ where: { slotId: offer.slot.id, personId: offer.fromId } });
      // Only possible if the offer outlived its assignment: undo the claim.
      if (moved.count === 0) throw new OfferGone();
      await tx.rotaAssignment.create({ data: { slotId: offer.slot.id, personId: input.personId, source: "SWAP" } });
      await tx.auditEvent.create({
        data: {
          action: "rota.cover.take",
          actorPersonId: input.personId,
          subjectPersonId: offer.fromId,
          details: { slotId: offer.slot.id, offerId: input.offerId },
        },
      });
      return { ok: true, slotId: offer.slot.id, effects: rotaChanged(offer.slot.id, "swap") };
    }, TX_OPTIONS);
  } catch (err) {
    if (err instanceof OfferGone) return gone;
    throw err;
  }
}
