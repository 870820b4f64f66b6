import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SHIFT_PRESETS, buildWorkPattern, type Actor, type Weekday } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { materializeRotaSlots } from "./materialize.js";
import { drop, offerCover, signUp, takeOffer, withdrawOffer } from "./moves.test-support.js";
import * as moves from "./signup.js";
import { saveWorkPattern, volunteerRotaView } from "./volunteer.js";

const LONDON = "Europe/London";
// Tuesday 1 December 2026, noon in London (GMT).
const now = new Date("2026-12-01T12:00:00Z");
const tuesdayLate = new Date("2026-12-01T21:30:00Z"); // inside the 48 h notice
const thursdayLate = new Date("2026-12-03T21:30:00Z"); // outside it
const fridayLate = new Date("2026-12-04T21:30:00Z");

let db: TestPrisma;
let lateTemplateId: string;

const database = useTestDatabase("rota_signup", { maxConnections: 12 });

beforeAll(async () => {
  db = database.client();
  const template = await db.rotaTemplate.create({
    data: {
      name: "Talk line late",
      rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
      startsOnLocal: "2026-11-30T21:30:00",
      timeZone: LONDON,
      durationMinutes: 180,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
  });
  lateTemplateId = template.id;
  await materializeRotaSlots(db, template.id, new Date(now.getTime() - 86_400_000));
});

/** An approved volunteer; with `lates`, a late (14:00-22:00) on those days every week. */
async function volunteer(name: string, lates: Weekday[] = []): Promise<string> {
  const p = await db.person.create({
    data: { displayName: name, roles: ["VOLUNTEER"], status: "APPROVED" },
    select: { id: true },
  });
  if (lates.length) {
    const shifts = [...SHIFT_PRESETS];
    const pattern = buildWorkPattern(
      {
        cycleStartsOn: "2026-11-30",
        everyWeeks: 1,
        shifts: lates.map((day) => ({ week: 1, day, shiftId: "late" })),
        changes: [],
      },
      shifts,
    );
    await db.volunteerRota.create({
      data: { personId: p.id, shifts: shifts as unknown as object, pattern: pattern as unknown as object },
    });
  }
  return p.id;
}

async function slotAt(start: Date, templateId = lateTemplateId): Promise<string> {
  return (await db.rotaSlot.findUniqueOrThrow({ where: { templateId_startsAt: { templateId, startsAt: start } } })).id;
}

// Understood: where a slot is inside the drop notice, they have seen and confirmed the warning.
const input = (personId: string, slotId: string, at = now) => ({
  personId,
  slotId,
  now: at,
  timeZone: LONDON,
  understood: true,
});

describe("signUp", () => {
  it("50 volunteers asking at once for the last place: exactly one gets it, the rest hear 'full'", async () => {
    const template = await db.rotaTemplate.create({
      data: {
        name: "Busy evening",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=WE",
        startsOnLocal: "2026-12-02T19:00:00",
        timeZone: LONDON,
        durationMinutes: 60,
        minVolunteers: 1,
        maxVolunteers: 3,
      },
    });
    await materializeRotaSlots(db, template.id, now, 7);
    const slotId = await slotAt(new Date("2026-12-02T19:00:00Z"), template.id);
    // Two places already taken: max is current + 1.
    for (const name of ["Early Bird", "Second Bird"]) {
      expect(await signUp(db, input(await volunteer(name), slotId))).toMatchObject({ ok: true });
    }
    const racers = await Promise.all(Array.from({ length: 50 }, (_, i) => volunteer(`Racer ${i}`)));
    const results = await Promise.all(racers.map((id) => signUp(db, input(id, slotId))));

    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ ok: true, slotId, placesLeft: 0 });
    const losers = results.filter((r) => !r.ok);
    expect(losers).toHaveLength(49);
    for (const r of losers)
      expect(r).toEqual({ ok: false, code: "full", message: "Just filled — someone took the last place." });

    const held = await db.rotaAssignment.findMany({ where: { slotId }, select: { personId: true } });
    expect(held).toHaveLength(3);
    expect(new Set(held.map((h) => h.personId)).size).toBe(3);
    const winner = racers[results.findIndex((r) => r.ok)]!;
    expect(held.map((h) => h.personId)).toContain(winner);
  });

  it("refuses unknown, past, already-held and not-fitting slots with clear reasons, saving nothing", async () => {
    const val = await volunteer("Val Lates", ["TH"]);
    const other = await volunteer("Otto Other");
    const before = await db.rotaAssignment.count();

    expect(await signUp(db, input(val, randomUUID()))).toMatchObject({ ok: false, code: "not_found" });
    expect(await signUp(db, input(val, "not-a-slot"))).toMatchObject({ ok: false, code: "not_found" });

    const tuesday = await slotAt(tuesdayLate);
    expect(await signUp(db, input(val, tuesday, new Date(tuesdayLate.getTime() + 60_000)))).toMatchObject({
      ok: false,
      code: "started",
    });

    // A late until 22:00 on Thursday: the 21:30 Thursday slot does not fit, and says why.
    const thursday = await slotAt(thursdayLate);
    const refused = await signUp(db, input(val, thursday));
    expect(refused).toMatchObject({ ok: false, code: "not_eligible" });
    expect(refused.ok === false && refused.code === "not_eligible" && refused.reasons.map((r) => r.message)).toEqual([
      "working a late until 22:00",
    ]);
    expect(!refused.ok && refused.message).toContain("working a late until 22:00");
    expect(await db.rotaAssignment.count()).toBe(before);

    expect(await signUp(db, input(other, thursday))).toMatchObject({ ok: true, placesLeft: 1 });
    expect(await signUp(db, input(other, thursday))).toMatchObject({ ok: false, code: "already_on" });
    expect(await db.rotaAssignment.count()).toBe(before + 1);
  });

  it("is the volunteer's own: someone not an approved volunteer is refused and nothing is saved", async () => {
    const slotId = await slotAt(tuesdayLate);
    const before = await db.rotaAssignment.count();
    const pending = await volunteer("Ada Applied");
    const asApplied: Actor = { kind: "person", personId: pending, roles: ["VOLUNTEER"], status: "APPLIED" };
    const guest: Actor = { kind: "guest", guestId: randomUUID() };
    for (const actor of [asApplied, guest])
      expect(await moves.signUpForRotaSlot(db, actor, { slotId, now, timeZone: LONDON })).toEqual({
        ok: false,
        code: "forbidden",
        message: "Only approved volunteers can use the rota.",
      });
    expect(await db.rotaAssignment.count()).toBe(before);
  });

  it("refuses a slot of a retired template", async () => {
    const template = await db.rotaTemplate.create({
      data: {
        name: "Retired",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=SA",
        startsOnLocal: "2026-12-05T10:00:00",
        timeZone: LONDON,
        durationMinutes: 60,
        active: false,
      },
    });
    await materializeRotaSlots(db, template.id, now, 7);
    const slotId = await slotAt(new Date("2026-12-05T10:00:00Z"), template.id);
    expect(await signUp(db, input(await volunteer("Rita Retired"), slotId))).toMatchObject({
      ok: false,
      code: "not_found",
    });
  });
});

/** A daily 21:30-00:30 line of its own (so a test's places are not shared with others'). */
async function ownLateLine(name: string): Promise<(start: Date) => Promise<string>> {
  const template = await db.rotaTemplate.create({
    data: {
      name,
      rrule: "FREQ=DAILY",
      startsOnLocal: "2026-11-30T21:30:00",
      timeZone: LONDON,
      durationMinutes: 180,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
  });
  await materializeRotaSlots(db, template.id, new Date(now.getTime() - 86_400_000), 14);
  return (start) => slotAt(start, template.id);
}

describe("signing up inside the drop notice", () => {
  it("asks for confirmation first, saving nothing; with it they're on, and outside the notice nobody is asked", async () => {
    const line = await ownLateLine("Confirm line");
    const cara = await volunteer("Cara Confirm");
    const tuesday = await line(tuesdayLate);
    const asked = await signUp(db, { ...input(cara, tuesday), understood: false });
    expect(asked).toEqual({
      ok: false,
      code: "confirm_notice",
      message: "This starts in 9 hours 30 minutes. Once you sign up you can't drop it — you'd need to ask for cover.",
      slotId: tuesday,
      startsAt: tuesdayLate,
    });
    expect(await db.rotaAssignment.count({ where: { personId: cara } })).toBe(0);

    // Two taps on "Sign up anyway" at once: one place, and the other hears they are already on it.
    const both = await Promise.all([signUp(db, input(cara, tuesday)), signUp(db, input(cara, tuesday))]);
    expect(both.filter((r) => r.ok)).toEqual([expect.objectContaining({ ok: true, slotId: tuesday })]);
    expect(both.filter((r) => !r.ok)).toEqual([expect.objectContaining({ code: "already_on" })]);
    expect(await db.rotaAssignment.count({ where: { personId: cara } })).toBe(1);
    expect(await drop(db, { personId: cara, slotId: tuesday, now })).toMatchObject({ ok: false, code: "notice" });

    // Friday is more than 48 hours away: no question.
    const friday = await line(fridayLate);
    expect(await signUp(db, { ...input(cara, friday), understood: false })).toMatchObject({ ok: true });
    // But the same slot asked about 48 hours before it starts is inside the notice: judged at the moment of asking.
    const late = new Date(fridayLate.getTime() - 47 * 3_600_000);
    const gus = await volunteer("Gus Late");
    expect(await signUp(db, { ...input(gus, friday, late), understood: false })).toMatchObject({
      ok: false,
      code: "confirm_notice",
      message: expect.stringContaining("This starts in 47 hours."),
    });
  });

  it("does not ask about a slot it would refuse anyway", async () => {
    const template = await db.rotaTemplate.create({
      data: {
        name: "One place",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=WE",
        startsOnLocal: "2026-12-02T10:00:00",
        timeZone: LONDON,
        durationMinutes: 60,
        minVolunteers: 1,
        maxVolunteers: 1,
      },
    });
    await materializeRotaSlots(db, template.id, now, 7);
    const slotId = await slotAt(new Date("2026-12-02T10:00:00Z"), template.id);
    expect(await signUp(db, input(await volunteer("First In"), slotId))).toMatchObject({ ok: true });
    expect(await signUp(db, { ...input(await volunteer("Second In"), slotId), understood: false })).toMatchObject({
      ok: false,
      code: "full",
    });
  });
});

describe("slots held when the work pattern changes", () => {
  it("are flagged with the reason, and can still be dropped (outside the notice) or covered (inside it)", async () => {
    const line = await ownLateLine("Held line");
    const pat = await volunteer("Pat Pattern");
    const wednesday = await line(new Date("2026-12-02T21:30:00Z")); // inside the notice
    const thursday = await line(thursdayLate);
    const saturday = await line(new Date("2026-12-05T21:30:00Z"));
    for (const slotId of [wednesday, thursday, saturday])
      expect(await signUp(db, input(pat, slotId))).toMatchObject({ ok: true });
    const view = () => volunteerRotaView(db, { personId: pat, now, timeZone: LONDON, days: 14 });
    expect((await view()).myShifts.flatMap((s) => s.clashes)).toEqual([]);

    // Now nights on Wednesday and Thursday.
    const shifts = [...SHIFT_PRESETS];
    const saved = await saveWorkPattern(db, {
      personId: pat,
      shifts,
      builder: {
        cycleStartsOn: "2026-11-30",
        everyWeeks: 1,
        shifts: [
          { week: 1, day: "WE", shiftId: "night" },
          { week: 1, day: "TH", shiftId: "night" },
        ],
        changes: [],
      },
    });
    expect(saved).toEqual({ ok: true });
    const after = await view();
    const mine = (slotId: string) => after.myShifts.find((s) => s.slotId === slotId)!;
    expect(mine(wednesday)).toMatchObject({
      clashes: ["It clashes with your night, 22:00–07:00."],
      canDrop: false,
      openOfferId: null,
    });
    expect(mine(thursday)).toMatchObject({ clashes: ["It clashes with your night, 22:00–07:00."], canDrop: true });
    expect(mine(saturday)).toMatchObject({ clashes: [], canDrop: true });
    // The slot list says the same: theirs, not fitting, and why.
    expect(after.slots.find((s) => s.id === thursday)).toMatchObject({
      mine: true,
      clashes: ["It clashes with your night, 22:00–07:00."],
    });
    expect(after.slots.find((s) => s.id === saturday)).toMatchObject({ mine: true, clashes: [] });

    // The offers on the card work: drop Thursday, ask for cover for Wednesday.
    expect(await drop(db, { personId: pat, slotId: thursday, now })).toMatchObject({ ok: true });
    expect(await offerCover(db, { personId: pat, slotId: wednesday, now })).toMatchObject({ ok: true });
    const last = await view();
    expect(last.myShifts.map((s) => s.slotId)).toEqual([wednesday, saturday]);
    expect(last.myShifts[0]!.openOfferId).not.toBeNull();
    // Still theirs until someone takes it; they can take the request back.
    expect(await withdrawOffer(db, { personId: pat, offerId: last.myShifts[0]!.openOfferId!, now })).toMatchObject({
      ok: true,
    });
  });
});

describe("drop", () => {
  it("refuses inside the notice period (pointing to cover) and drops outside it", async () => {
    const dee = await volunteer("Dee Dropper");
    const tuesday = await slotAt(tuesdayLate);
    const friday = await slotAt(fridayLate);
    expect(await signUp(db, input(dee, tuesday))).toMatchObject({ ok: true });
    expect(await signUp(db, input(dee, friday))).toMatchObject({ ok: true });

    const inside = await drop(db, { personId: dee, slotId: tuesday, now });
    expect(inside).toMatchObject({ ok: false, code: "notice" });
    expect(!inside.ok && inside.message).toContain("Ask for cover");
    expect(await db.rotaAssignment.count({ where: { slotId: tuesday, personId: dee } })).toBe(1);

    // Open rota pages are told, by the effect the web dispatcher publishes.
    expect(await drop(db, { personId: dee, slotId: friday, now })).toEqual({
      ok: true,
      slotId: friday,
      effects: [{ kind: "rotaChanged", change: { slotIds: [friday], change: "drop" } }],
    });
    expect(await db.rotaAssignment.count({ where: { slotId: friday, personId: dee } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "rota.drop", subjectPersonId: dee } })).toBe(1);
    expect(await drop(db, { personId: dee, slotId: friday, now })).toMatchObject({ ok: false, code: "not_on_slot" });
  });
});

describe("cover requests", () => {
  it("are shown only to volunteers who could take them, and taking one is atomic", async () => {
    const asker = await volunteer("Ash Asker");
    const free1 = await volunteer("Fern Free");
    const free2 = await volunteer("Finn Free");
    const busy = await volunteer("Bea Busy", ["SA"]);
    const saturday = await slotAt(new Date("2026-12-05T21:30:00Z"));
    expect(await signUp(db, input(asker, saturday))).toMatchObject({ ok: true });

    const offered = await offerCover(db, { personId: asker, slotId: saturday, now });
    expect(offered).toMatchObject({ ok: true, slotId: saturday });
    const offerId = offered.ok ? offered.offerId : "";
    expect(await offerCover(db, { personId: asker, slotId: saturday, now })).toMatchObject({
      ok: false,
      code: "already_offered",
    });

    const view = (personId: string) => volunteerRotaView(db, { personId, now, timeZone: LONDON, days: 14 });
    expect((await view(free1)).offers.map((o) => o.offerId)).toEqual([offerId]);
    expect((await view(free1)).offers[0]).toMatchObject({ fromFirstName: "Ash", name: "Talk line late" });
    expect((await view(busy)).offers).toEqual([]); // working a late until 22:00 on Saturday
    expect((await view(asker)).offers).toEqual([]); // their own
    expect((await view(asker)).myShifts.find((s) => s.slotId === saturday)?.openOfferId).toBe(offerId);

    // The one it does not fit, and the asker, cannot take it.
    expect(await takeOffer(db, { personId: busy, offerId, now, timeZone: LONDON })).toMatchObject({
      ok: false,
      code: "not_eligible",
    });
    expect(await takeOffer(db, { personId: asker, offerId, now, timeZone: LONDON })).toMatchObject({
      ok: false,
      code: "own",
    });

    // Two eligible volunteers tap Take at once: exactly one wins.
    const both = await Promise.all(
      [free1, free2].map((personId) => takeOffer(db, { personId, offerId, now, timeZone: LONDON })),
    );
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.filter((r) => !r.ok)).toEqual([expect.objectContaining({ ok: false, code: "gone" })]);
    const winner = both[0]!.ok ? free1 : free2;

    const held = await db.rotaAssignment.findMany({
      where: { slotId: saturday },
      select: { personId: true, source: true },
    });
    expect(held).toEqual([{ personId: winner, source: "SWAP" }]);
    expect(await db.rotaSwapOffer.findUniqueOrThrow({ where: { id: offerId } })).toMatchObject({
      status: "TAKEN",
      takenById: winner,
    });
    expect(await db.auditEvent.count({ where: { action: "rota.cover.take", subjectPersonId: asker } })).toBe(1);
    expect((await view(free1)).offers).toEqual([]);
  });

  it("can be withdrawn by the asker only, and a drop withdraws it", async () => {
    const asker = await volunteer("Wren Withdraw");
    const sunday = await slotAt(new Date("2026-12-06T21:30:00Z"));
    expect(await signUp(db, input(asker, sunday))).toMatchObject({ ok: true });
    const offered = await offerCover(db, { personId: asker, slotId: sunday, now });
    const offerId = offered.ok ? offered.offerId : "";
    const other = await volunteer("Nosy Parker");
    expect(await withdrawOffer(db, { personId: other, offerId, now })).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(await withdrawOffer(db, { personId: asker, offerId, now })).toEqual({
      ok: true,
      slotId: sunday,
      effects: [{ kind: "rotaChanged", change: { slotIds: [sunday], change: "offer" } }],
    });
    expect(await takeOffer(db, { personId: other, offerId, now, timeZone: LONDON })).toMatchObject({
      ok: false,
      code: "gone",
    });

    const again = await offerCover(db, { personId: asker, slotId: sunday, now });
    expect(again.ok).toBe(true);
    expect(await drop(db, { personId: asker, slotId: sunday, now })).toMatchObject({ ok: true });
    expect(await db.rotaSwapOffer.count({ where: { slotId: sunday, status: "OPEN" } })).toBe(0);
  });

  it("cannot be made for a slot you do not hold", async () => {
    const stranger = await volunteer("Stan Stranger");
    expect(await offerCover(db, { personId: stranger, slotId: await slotAt(fridayLate), now })).toMatchObject({
      ok: false,
      code: "not_on_slot",
    });
  });
});

describe("volunteerRotaView", () => {
  it("says which slots fit, with the engine's reasons, places left and drop notice", async () => {
    const vic = await volunteer("Vic View", ["TH"]);
    const friday = await slotAt(fridayLate);
    expect(await signUp(db, input(vic, friday))).toMatchObject({ ok: true });
    const view = await volunteerRotaView(db, { personId: vic, now, timeZone: LONDON, days: 14 });
    const thursday = view.slots.find((s) => s.startsAt.getTime() === thursdayLate.getTime())!;
    expect(thursday).toMatchObject({ fits: false, reasons: ["working a late until 22:00"], mine: false, max: 2 });
    const fri = view.slots.find((s) => s.id === friday)!;
    expect(fri).toMatchObject({ mine: true });
    expect(view.slots.find((s) => s.startsAt.getTime() === new Date("2026-12-07T21:30:00Z").getTime())).toMatchObject({
      fits: true,
      reasons: [],
      placesLeft: 2,
    });
    expect(view.myShifts.find((s) => s.slotId === friday)).toMatchObject({ canDrop: true, openOfferId: null });
    expect(view.hasPattern).toBe(true);
    expect(view.feedOn).toBe(false);
    expect(view.slots.every((s) => s.startsAt > now)).toBe(true);
  });
});

describe("a volunteer who runs a drop-in", () => {
  it("cannot sign up for the talk line while running it, and hears why; the night after is fine", async () => {
    const dev = await volunteer("Dev Facilitator");
    await db.person.update({ where: { id: dev }, data: { roles: ["VOLUNTEER", "FACILITATOR"] } });
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "After a death",
        description: "A gentle space.",
        capacity: 8,
        durationMinutes: 75,
        rrule: "FREQ=WEEKLY;BYDAY=FR",
        startsOnLocal: "2026-12-04T21:30:00",
        facilitatorId: dev,
      },
    });
    const fields = { title: series.title, theme: series.theme, description: series.description, capacity: 8 };
    await db.dropInOccurrence.create({
      data: {
        ...fields,
        seriesId: series.id,
        originalStart: fridayLate,
        startsAt: fridayLate,
        endsAt: new Date(fridayLate.getTime() + 75 * 60_000),
      },
    });
    const refused = await signUp(db, input(dev, await slotAt(fridayLate)));
    expect(refused).toMatchObject({ ok: false, code: "not_eligible" });
    expect(refused.ok === false && refused.message).toBe(
      'This slot doesn\'t fit: already on the drop-in "After a death" at 21:30.',
    );
    expect(await db.rotaAssignment.count({ where: { personId: dev } })).toBe(0);
    const saturday = new Date(fridayLate.getTime() + 86_400_000);
    expect(await signUp(db, input(dev, await slotAt(saturday)))).toMatchObject({ ok: true });
  });
});
