import { beforeAll, describe, expect, it } from "vitest";
import { SHIFT_PRESETS, workPatternSchema, type WorkPatternBuilder } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { createFeedToken, loadVolunteerFeed, turnOffFeed } from "./feed.js";
import { materializeRotaSlots } from "./materialize.js";
import { signUp } from "./moves.test-support.js";
import { loadVolunteerRotaSettings, savePreferences, saveWorkPattern } from "./volunteer.js";

const LONDON = "Europe/London";
const now = new Date("2026-12-01T12:00:00Z");
let db: TestPrisma;
let personId: string;

const database = useTestDatabase("rota_volunteer");

beforeAll(async () => {
  db = database.client();
  personId = (
    await db.person.create({
      data: { displayName: "Dev Patel", roles: ["VOLUNTEER", "FACILITATOR"], status: "APPROVED" },
      select: { id: true },
    })
  ).id;
});

const builder = (over: Partial<WorkPatternBuilder> = {}): WorkPatternBuilder => ({
  cycleStartsOn: "2026-11-30",
  everyWeeks: 1,
  shifts: [
    { week: 1, day: "MO", shiftId: "late" },
    { week: 1, day: "TU", shiftId: "late" },
    { week: 1, day: "WE", shiftId: "late" },
    { week: 1, day: "FR", shiftId: "night" },
    { week: 1, day: "SA", shiftId: "night" },
  ],
  changes: [],
  ...over,
});

describe("work pattern and preferences", () => {
  it("starts from the presets, saves a pattern and shows it again in the builder", async () => {
    const empty = await loadVolunteerRotaSettings(db, personId);
    expect(empty.builder).toBeNull();
    expect(empty.shifts.map((s) => s.id)).toEqual(SHIFT_PRESETS.map((s) => s.id));
    expect(empty.defaults.bufferAfterWorkMinutes).toBe(45);

    expect(await saveWorkPattern(db, { personId, shifts: [...SHIFT_PRESETS], builder: builder() })).toEqual({
      ok: true,
    });
    const saved = await loadVolunteerRotaSettings(db, personId);
    expect(saved.builder).toEqual(builder());
  });

  it("saves nothing when the pattern has overlapping shifts", async () => {
    const early = { id: "early", name: "early", parts: [{ start: "06:00", end: "14:00", endsNextDay: false }] };
    const shifts = [early, ...SHIFT_PRESETS.filter((s) => s.id !== "early")];
    const clash = builder({ shifts: [...builder().shifts, { week: 1, day: "SU", shiftId: "early" }] });
    // The form checks with core first; the use case checks again.
    expect(workPatternSchema(shifts).safeParse(clash).success).toBe(false);
    const r = await saveWorkPattern(db, { personId, shifts, builder: clash });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]!.message).toBe(
      "The early on Sunday starts at 06:00, before the night on Saturday ends at 07:00",
    );
    expect((await loadVolunteerRotaSettings(db, personId)).builder).toEqual(builder());
  });

  it("stores preferences, blanks staying the coordinator's default", async () => {
    await savePreferences(db, {
      personId,
      preferences: { maxSlotsPerWeek: 2, windows: [{ days: ["TH"], from: "20:00", to: "01:00" }] },
    });
    const s = await loadVolunteerRotaSettings(db, personId);
    expect(s.preferences).toEqual({ maxSlotsPerWeek: 2, windows: [{ days: ["TH"], from: "20:00", to: "01:00" }] });
    await expect(
      savePreferences(db, { personId, preferences: { maxHoursPerWeek: 99, windows: [] } }),
    ).rejects.toThrow();
    expect((await loadVolunteerRotaSettings(db, personId)).preferences.maxSlotsPerWeek).toBe(2);
    await savePreferences(db, { personId, preferences: { windows: [] } });
  });
});

describe("calendar feed", () => {
  it("lists their slots and the drop-ins they facilitate; replacing the link revokes the old one, turning off revokes all", async () => {
    const template = await db.rotaTemplate.create({
      data: {
        name: "Talk line late",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TH",
        startsOnLocal: "2026-12-03T21:30:00",
        timeZone: LONDON,
        durationMinutes: 180,
      },
    });
    await materializeRotaSlots(db, template.id, now, 7);
    const slot = await db.rotaSlot.findFirstOrThrow({ where: { templateId: template.id } });
    expect(await signUp(db, { personId, slotId: slot.id, now, timeZone: LONDON })).toMatchObject({ ok: true });
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "After a death",
        description: "A gentle space.",
        rrule: "FREQ=WEEKLY;BYDAY=TU",
        startsOnLocal: "2026-12-01T21:30:00",
        timeZone: LONDON,
        durationMinutes: 75,
        capacity: 8,
        facilitatorId: personId,
      },
    });
    const occurrence = (startsAt: string, status: "SCHEDULED" | "CANCELLED") =>
      db.dropInOccurrence.create({
        data: {
          seriesId: series.id,
          originalStart: new Date(startsAt),
          startsAt: new Date(startsAt),
          endsAt: new Date(new Date(startsAt).getTime() + 75 * 60_000),
          status,
          title: "After a death",
          theme: "After a death",
          description: "A gentle space.",
          capacity: 8,
          facilitatorId: personId,
        },
      });
    await occurrence("2026-12-01T21:30:00Z", "SCHEDULED");
    await occurrence("2026-12-08T21:30:00Z", "CANCELLED");

    const first = await createFeedToken(db, { personId });
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await db.volunteerRota.findUniqueOrThrow({ where: { personId } });
    expect(stored.feedTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.feedTokenHash).not.toContain(first);

    const feed = await loadVolunteerFeed(db, { token: first, now });
    expect(feed?.firstName).toBe("Dev");
    expect(feed?.slots.map((s) => [s.name, s.startsAt.toISOString()])).toEqual([
      ["Talk line late", "2026-12-03T21:30:00.000Z"],
    ]);
    expect(feed?.sessions.map((s) => s.cancelled)).toEqual([false, true]);

    const second = await createFeedToken(db, { personId });
    expect(await loadVolunteerFeed(db, { token: first, now })).toBeNull();
    expect(await loadVolunteerFeed(db, { token: second, now })).not.toBeNull();
    await turnOffFeed(db, { personId });
    expect(await loadVolunteerFeed(db, { token: second, now })).toBeNull();
    expect(await loadVolunteerFeed(db, { token: "../../x", now })).toBeNull();
    expect(
      await db.auditEvent.count({ where: { subjectPersonId: personId, action: { startsWith: "rota.feed" } } }),
    ).toBe(3);
  });
});
