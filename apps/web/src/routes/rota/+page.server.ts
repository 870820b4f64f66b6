import { fail } from "@sveltejs/kit";
import {
  ROTA_DROP_NOTICE_HOURS,
  refuse,
  rotaOfferAction,
  rotaSignUpAction,
  rotaSlotAction,
  type Effect,
  type Refusal,
} from "@offshift/core";
import {
  createFeedToken,
  dropRotaSlot,
  myQuietHours,
  offerRotaCover,
  signUpForRotaSlot,
  takeRotaCoverOffer,
  turnOffFeed,
  volunteerRotaView,
  withdrawRotaCoverOffer,
} from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { statusOf } from "$lib/server/refusals.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import type { Actions, PageServerLoad, RequestEvent } from "./$types";

function labels(timeZone: string) {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long", day: "numeric", month: "long" });
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (start: Date, end: Date) => ({
    day: day.format(start),
    time: `${time.format(start)}–${time.format(end)}`,
    startsAt: start.toISOString(),
  });
}

/** "Quiet hours now, until 15:00 (after your night)" or "Next quiet hours: Tuesday 07:00 to 15:00 (after your night)". */
function quietHoursWords(q: { now: boolean; start: Date; end: Date; shift: string }, timeZone: string): string {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long" });
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const end =
    day.format(q.end) === day.format(q.start) ? time.format(q.end) : `${day.format(q.end)} ${time.format(q.end)}`;
  return q.now
    ? `Quiet hours now, until ${end} (after your ${q.shift}).`
    : `Next quiet hours: ${day.format(q.start)} ${time.format(q.start)} to ${end} (after your ${q.shift}).`;
}

interface SlotRow {
  id: string;
  name: string;
  time: string;
  startsAt: string;
  placesLeft: number;
  max: number;
  mine: boolean;
  fits: boolean;
  reasons: string[];
  clashes: string[];
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const me = requireCan(locals, "rota.signUp");
  const weeks = url.searchParams.get("weeks") === "4" ? 4 : 2;
  const timeZone = env().ORG_TIMEZONE;
  const now = clockNow();
  const [view, quiet] = await Promise.all([
    volunteerRotaView(getDb(), { personId: me.id, now, timeZone, days: weeks * 7 }),
    myQuietHours(getDb(), { personId: me.id, now, timeZone }),
  ]);
  const when = labels(timeZone);
  const days: { day: string; slots: SlotRow[] }[] = [];
  for (const s of view.slots) {
    const w = when(s.startsAt, s.endsAt);
    const slot: SlotRow = {
      id: s.id,
      name: s.name,
      time: w.time,
      startsAt: w.startsAt,
      placesLeft: s.placesLeft,
      max: s.max,
      mine: s.mine,
      fits: s.fits,
      reasons: s.reasons,
      clashes: s.clashes,
    };
    if (days.at(-1)?.day !== w.day) days.push({ day: w.day, slots: [] });
    days.at(-1)!.slots.push(slot);
  }
  return {
    weeks,
    days,
    myShifts: view.myShifts.map((s) => ({ ...s, ...when(s.startsAt, s.endsAt) })),
    offers: view.offers.map((o) => ({ ...o, ...when(o.startsAt, o.endsAt) })),
    hasPattern: view.hasPattern,
    feedOn: view.feedOn,
    quietHours: quiet && quietHoursWords(quiet, timeZone),
    noticeHours: ROTA_DROP_NOTICE_HOURS,
    saved: url.searchParams.has("pattern") ? "pattern" : url.searchParams.has("preferences") ? "preferences" : null,
  };
};

type Kind = "signUp" | "drop" | "cover" | "withdraw" | "take";

async function slotForm(event: RequestEvent, kind: Kind) {
  // Signed in is all the page asks; whether they may is the use case's question (can(), with its own refusal).
  requireSignedIn(event.locals);
  const form = Object.fromEntries(await event.request.formData());
  const id = (k: string) => (typeof form[k] === "string" ? String(form[k]).slice(0, 64) : "");
  return { actor: event.locals.actor, form, slotId: id("slotId"), offerId: id("offerId"), kind };
}

/** A refused move: its status (the refusal mapper), its words, and which slot or request it was about. */
const refused = (kind: Kind, id: string, r: Refusal) =>
  fail(statusOf(r), { kind, id, error: r.message, reason: r.code });
const invalid = (kind: Kind, id: string, message: string) => refused(kind, id, refuse("invalid", message));

/** A move done: what follows it (open rota pages told), then the thanks. */
async function done<T>(event: RequestEvent, r: { effects: readonly Effect[] }, answer: T): Promise<T> {
  await dispatchEffects(r.effects, event.request);
  return answer;
}

export const actions: Actions = {
  signUp: async (event) => {
    const { actor, form, slotId } = await slotForm(event, "signUp");
    const parsed = rotaSignUpAction.safeParse(form);
    if (!parsed.success) return invalid("signUp", slotId, parsed.error.issues[0]!.message);
    const r = await signUpForRotaSlot(getDb(), actor, {
      slotId: parsed.data.slotId,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
      understood: parsed.data.understood === "yes",
    });
    // Inside the drop notice: the warning, and a second step to confirm (the same form with understood=yes).
    if (!r.ok && r.code === "confirm_notice")
      return fail(409, { kind: "signUp", id: r.slotId, reason: r.code, confirm: r.message });
    if (!r.ok) return refused("signUp", slotId, r);
    return done(event, r, { kind: "signUp", id: r.slotId, message: "You're signed up. Thank you!" });
  },
  drop: async (event) => {
    const { actor, form, slotId } = await slotForm(event, "drop");
    const parsed = rotaSlotAction.safeParse(form);
    if (!parsed.success) return invalid("drop", slotId, parsed.error.issues[0]!.message);
    const r = await dropRotaSlot(getDb(), actor, { slotId: parsed.data.slotId, now: clockNow() });
    if (!r.ok) return refused("drop", slotId, r);
    return done(event, r, { kind: "drop", id: r.slotId, message: "You've dropped that slot." });
  },
  cover: async (event) => {
    const { actor, form, slotId } = await slotForm(event, "cover");
    const parsed = rotaSlotAction.safeParse(form);
    if (!parsed.success) return invalid("cover", slotId, parsed.error.issues[0]!.message);
    const r = await offerRotaCover(getDb(), actor, { slotId: parsed.data.slotId, now: clockNow() });
    if (!r.ok) return refused("cover", slotId, r);
    return done(event, r, {
      kind: "cover",
      id: r.slotId,
      message: "We've asked volunteers who can take it. It stays yours until someone does.",
    });
  },
  withdraw: async (event) => {
    const { actor, form, offerId } = await slotForm(event, "withdraw");
    const parsed = rotaOfferAction.safeParse(form);
    if (!parsed.success) return invalid("withdraw", offerId, parsed.error.issues[0]!.message);
    const r = await withdrawRotaCoverOffer(getDb(), actor, { offerId: parsed.data.offerId, now: clockNow() });
    if (!r.ok) return refused("withdraw", offerId, r);
    return done(event, r, { kind: "withdraw", id: r.slotId, message: "Cover request withdrawn." });
  },
  take: async (event) => {
    const { actor, form, offerId } = await slotForm(event, "take");
    const parsed = rotaOfferAction.safeParse(form);
    if (!parsed.success) return invalid("take", offerId, parsed.error.issues[0]!.message);
    const r = await takeRotaCoverOffer(getDb(), actor, {
      offerId: parsed.data.offerId,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
    });
    if (!r.ok) return refused("take", offerId, r);
    return done(event, r, { kind: "take", id: offerId, message: "It's yours. Thank you for covering!" });
  },
  feedCreate: async ({ locals }) => {
    const me = requireCan(locals, "rota.signUp");
    const token = await createFeedToken(getDb(), { personId: me.id });
    return { kind: "feed", feedUrl: `${env().ORIGIN}/rota/feed/${token}.ics` };
  },
  feedOff: async ({ locals }) => {
    const me = requireCan(locals, "rota.signUp");
    await turnOffFeed(getDb(), { personId: me.id });
    return { kind: "feed", message: "Calendar link turned off. Calendars using it will stop updating." };
  },
};
