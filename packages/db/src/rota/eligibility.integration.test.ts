import { beforeAll, describe, expect, it } from "vitest";
import { buildWorkPattern, rotaReasons, SHIFT_PRESETS, type VolunteerPreferencesInput } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { previewAutoFill } from "./coordinator.js";
import { apply } from "./moves.test-support.js";
import { materializeRotaSlots } from "./materialize.js";
import { createApprovedVolunteer, signUp } from "./moves.test-support.js";

/**
 * Sign-up, auto-fill and its preview ask the engine the same question ("does
 * this person fit this slot?") and must load the same facts to answer it. The
 * case here needs more than a week of history: the week of the autumn clock
 * change lasts 7 days and 1 hour, so a slot at 00:00 on its Monday (BST) lies
 * more than 7 days before one at 23:30 on its Sunday (GMT), yet both count
 * toward the same weekly limit.
 */

const LONDON = "Europe/London";
/** Monday 12 October 2026, noon in London: a week before the week of the clock change. */
const NOW = new Date("2026-10-12T11:00:00Z");
/** Monday 19 October 2026, 00:00 BST: the first minute of the week the clocks go back. */
const MONDAY_MIDNIGHT = new Date("2026-10-18T23:00:00Z");
/** Sunday 25 October 2026, 23:30 GMT: the last slot of that week, 7 days 30 minutes later. */
const SUNDAY_LATE = new Date("2026-10-25T23:30:00Z");

let db: TestPrisma;
const database = useTestDatabase("rota_eligibility");

async function template(name: string, day: string, time: string): Promise<string> {
  const t = await db.rotaTemplate.create({
    data: {
      name,
      rrule: `FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=${day}`,
      startsOnLocal: `2026-10-05T${time}:00`,
      timeZone: LONDON,
      durationMinutes: 60,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
    select: { id: true },
  });
  await materializeRotaSlots(db, t.id, NOW, 28);
  return t.id;
}

/** An approved volunteer free every day (a saved pattern with no shifts, so auto-fill may place them). */
async function volunteer(name: string, preferences: VolunteerPreferencesInput): Promise<string> {
  const { id } = await createApprovedVolunteer(db, name);
  const shifts = [...SHIFT_PRESETS];
  const pattern = buildWorkPattern({ cycleStartsOn: "2026-10-05", everyWeeks: 1, shifts: [], changes: [] }, shifts);
  await db.volunteerRota.create({
    data: {
      personId: id,
      shifts: shifts as unknown as object,
      pattern: pattern as unknown as object,
      preferences: preferences as unknown as object,
    },
  });
  return id;
}

const slotAt = async (templateId: string, startsAt: Date) =>
  (await db.rotaSlot.findUniqueOrThrow({ where: { templateId_startsAt: { templateId, startsAt } } })).id;

let mondayTemplate: string;
let sundayTemplate: string;

beforeAll(async () => {
  db = database.client();
  mondayTemplate = await template("Monday small hours", "MO", "00:00");
  sundayTemplate = await template("Sunday late", "SU", "23:30");
});

describe("one eligibility loader: sign-up and auto-fill agree", () => {
  it("across the autumn clock change, a Monday 00:00 slot counts toward the weekly max of that week's Sunday 23:30", async () => {
    const person = await volunteer("Wendy", { maxSlotsPerWeek: 1, windows: [] });
    const monday = await slotAt(mondayTemplate, MONDAY_MIDNIGHT);
    const sunday = await slotAt(sundayTemplate, SUNDAY_LATE);
    expect(SUNDAY_LATE.getTime() - MONDAY_MIDNIGHT.getTime()).toBeGreaterThan(7 * 86_400_000);

    expect(await signUp(db, { personId: person, slotId: monday, now: NOW, timeZone: LONDON })).toMatchObject({
      ok: true,
    });

    const weeklyMax = rotaReasons.weeklyMaxSlots(1);
    expect(await signUp(db, { personId: person, slotId: sunday, now: NOW, timeZone: LONDON })).toEqual({
      ok: false,
      code: "not_eligible",
      message: `This slot doesn't fit: ${weeklyMax.message}.`,
      reasons: [weeklyMax],
    });

    const preview = await previewAutoFill(db, {
      from: new Date(SUNDAY_LATE.getTime() - 3_600_000),
      to: new Date(SUNDAY_LATE.getTime() + 60_000),
      timeZone: LONDON,
    });
    expect(preview.proposals).toEqual([]);
    expect(preview.gaps.map((g) => [g.slotId, g.reasons])).toEqual([[sunday, [{ group: weeklyMax.group, count: 1 }]]]);

    expect(await apply(db, { proposals: [{ slotId: sunday, personId: person }], timeZone: LONDON, now: NOW })).toEqual({
      ok: true,
      applied: 0,
      justFilled: 0,
      noLongerFits: 1,
      slotIds: [],
      effects: [],
    });
    expect(await db.rotaAssignment.count({ where: { personId: person } })).toBe(1);
  });
});
