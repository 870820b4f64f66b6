import { fail } from "@sveltejs/kit";
import { ROTA_DROP_NOTICE_HOURS, rotaOfferAction, rotaSignUpAction, rotaSlotAction } from "@offshift/core";
import {
  createFeedToken,
  drop,
  myQuietHours,
  offerCover,
  signUp,
  takeOffer,
  turnOffFeed,
  volunteerRotaView,
  withdrawOffer,
} from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishRotaChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
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
  const me = requireCan(event.locals, "rota.signUp");
  const form = Object.fromEntries(await event.request.formData());
  const id = (k: string) => (typeof form[k] === "string" ? String(form[k]).slice(0, 64) : "");
  return { me, form, slotId: id("slotId"), offerId: id("offerId"), kind };
}

const refused = (kind: Kind, id: string, r: { reason: string; message: string }, status = 409) =>
  fail(status, { kind, id, error: r.message, reason: r.reason });

export const actions: Actions = {
  signUp: async (event) => {
    const { me, form, slotId } = await slotForm(event, "signUp");
    const parsed = rotaSignUpAction.safeParse(form);
    if (!parsed.success)
      return refused("signUp", slotId, { reason: "invalid", message: parsed.error.issues[0]!.message }, 400);
    const r = await signUp(getDb(), {
      personId: me.id,
      slotId: parsed.data.slotId,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
      understood: parsed.data.understood === "yes",
    });
    // Inside the drop notice: the warning, and a second step to confirm (the same form with understood=yes).
    if (!r.ok && r.reason === "confirm_notice")
      return fail(409, { kind: "signUp", id: r.slotId, reason: r.reason, confirm: r.message });
    if (!r.ok) return refused("signUp", slotId, r);
    publishRotaChanged({ slotIds: [r.slotId], change: "signup" });
    return { kind: "signUp", id: r.slotId, message: "You're signed up. Thank you!" };
  },
  drop: async (event) => {
    const { me, form, slotId } = await slotForm(event, "drop");
    const parsed = rotaSlotAction.safeParse(form);
    if (!parsed.success)
      return refused("drop", slotId, { reason: "invalid", message: parsed.error.issues[0]!.message }, 400);
    const r = await drop(getDb(), { personId: me.id, slotId: parsed.data.slotId, now: clockNow() });
    if (!r.ok) return refused("drop", slotId, r);
    publishRotaChanged({ slotIds: [r.slotId], change: "drop" });
    return { kind: "drop", id: r.slotId, message: "You've dropped that slot." };
  },
  cover: async (event) => {
    const { me, form, slotId } = await slotForm(event, "cover");
    const parsed = rotaSlotAction.safeParse(form);
    if (!parsed.success)
      return refused("cover", slotId, { reason: "invalid", message: parsed.error.issues[0]!.message }, 400);
    const r = await offerCover(getDb(), { personId: me.id, slotId: parsed.data.slotId, now: clockNow() });
    if (!r.ok) return refused("cover", slotId, r);
    publishRotaChanged({ slotIds: [r.slotId], change: "offer" });
    return {
      kind: "cover",
      id: r.slotId,
      message: "We've asked volunteers who can take it. It stays yours until someone does.",
    };
  },
  withdraw: async (event) => {
    const { me, form, offerId } = await slotForm(event, "withdraw");
    const parsed = rotaOfferAction.safeParse(form);
    if (!parsed.success)
      return refused("withdraw", offerId, { reason: "invalid", message: parsed.error.issues[0]!.message }, 400);
    const r = await withdrawOffer(getDb(), { personId: me.id, offerId: parsed.data.offerId, now: clockNow() });
    if (!r.ok) return refused("withdraw", offerId, r);
    publishRotaChanged({ slotIds: [r.slotId], change: "offer" });
    return { kind: "withdraw", id: r.slotId, message: "Cover request withdrawn." };
  },
  take: async (event) => {
    const { me, form, offerId } = await slotForm(event, "take");
    const parsed = rotaOfferAction.safeParse(form);
    if (!parsed.success)
      return refused("take", offerId, { reason: "invalid", message: parsed.error.issues[0]!.message }, 400);
    const r = await takeOffer(getDb(), {
      personId: me.id,
      offerId: parsed.data.offerId,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
    });
    if (!r.ok) return refused("take", offerId, r);
    publishRotaChanged({ slotIds: [r.slotId], change: "swap" });
    return { kind: "take", id: offerId, message: "It's yours. Thank you for covering!" };
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
