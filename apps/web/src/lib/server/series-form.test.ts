import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRule, seriesInput, WEEKDAYS, type RecurrenceBuilder } from "@offshift/core";
import { seriesFieldErrors, seriesFormToInput, seriesFormValues, seriesValues } from "./series-form.js";
import { postedForm } from "./posted-form.test-support.js";

const LEAD = "7d0c8a52-4c2e-4d8f-9a51-0b1f6e3c2a10";
const BACKUP = "2b9e5f31-8d4a-4f6b-b2c7-9e0a1d3f4c55";

const weekly = {
  title: "Lone working at night",
  theme: "Lone working at night",
  description: "Talk through the hard parts of working alone after dark.",
  language: "en",
  capacity: "12",
  roomStyle: "OPEN",
  durationMinutes: "60",
  backupFacilitatorId: BACKUP,
  pattern: "weekly",
  days: ["TU", "TH"],
  everyWeeks: "1",
  startsOn: "2026-12-01",
  time: "22:00",
  endsKind: "never",
};

describe("seriesFormToInput", () => {
  it("turns the flat weekly form into the input core's seriesInput accepts, with the lead from the session", () => {
    const parsed = seriesInput.parse(seriesFormToInput(postedForm(weekly), LEAD));
    expect(parsed).toMatchObject({
      title: "Lone working at night",
      capacity: 12,
      durationMinutes: 60,
      facilitatorId: LEAD,
      backupFacilitatorId: BACKUP,
      recurrence: { pattern: "weekly", days: ["TU", "TH"], everyWeeks: 1, ends: { kind: "never" } },
    });
    expect(buildRule(parsed.recurrence)).toEqual({
      ok: true,
      rule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TU,TH",
      startsOnLocal: "2026-12-01T22:00:00",
    });
  });

  it("reads only the fields of the chosen pattern and end, and treats a blank backup as none", () => {
    const input = seriesFormToInput(
      postedForm({
        ...weekly,
        pattern: "monthly",
        nth: "-1",
        monthDay: "FR",
        endsKind: "count",
        count: "6",
        backupFacilitatorId: "",
      }),
      LEAD,
    );
    expect(input.backupFacilitatorId).toBeUndefined();
    expect(input.recurrence).toEqual({
      pattern: "monthly",
      nth: "-1",
      day: "FR",
      startsOn: "2026-12-01",
      time: "22:00",
      ends: { kind: "count", count: "6" },
    });
    expect(
      seriesFormToInput(postedForm({ ...weekly, endsKind: "until", until: "2027-03-31" }), LEAD).recurrence.ends,
    ).toEqual({
      kind: "until",
      until: "2027-03-31",
    });
  });

  it("cuts over-long fields instead of passing them on whole", () => {
    const input = seriesFormToInput(postedForm({ ...weekly, description: "x".repeat(10_000) }), LEAD);
    expect(input.description).toHaveLength(4000);
  });
});

describe("seriesFieldErrors", () => {
  it("keys each error by the form field it belongs to, first message wins", () => {
    const result = seriesInput.safeParse(
      seriesFormToInput(postedForm({ ...weekly, title: "", days: [], capacity: "1", endsKind: "bogus" }), LEAD),
    );
    expect(result.success).toBe(false);
    const errors = seriesFieldErrors(result.error!.issues);
    expect(Object.keys(errors)).toEqual(expect.arrayContaining(["title", "days", "capacity"]));
    expect(errors.days).toBe("Choose at least one day");
    expect(seriesFieldErrors([{ path: ["recurrence", "ends", "kind"], message: "Choose an end" }])).toEqual({
      endsKind: "Choose an end",
    });
    expect(seriesFieldErrors([{ path: [], message: "Whole form" }])).toEqual({ form: "Whole form" });
    expect(
      seriesFieldErrors([
        { path: ["title"], message: "first" },
        { path: ["title"], message: "second" },
      ]),
    ).toEqual({ title: "first" });
  });
});

describe("seriesFormValues", () => {
  it("echoes what was sent, with the form's defaults for what was not", () => {
    expect(seriesFormValues(postedForm({ title: "Nights", days: ["MO", "WE"] }))).toMatchObject({
      title: "Nights",
      days: ["MO", "WE"],
      language: "en",
      roomStyle: "OPEN",
      pattern: "weekly",
      time: "22:00",
      endsKind: "never",
    });
  });
});

describe("seriesValues", () => {
  const stored = {
    title: "Nights",
    theme: "Lone working at night",
    description: "A fictional drop-in for tests.",
    language: "en",
    capacity: 8,
    durationMinutes: 90,
    roomStyle: "HAND_RAISE",
    backupFacilitatorId: null,
  };

  it("gives null for a rule the builder did not write (it cannot be edited in the form)", () => {
    expect(seriesValues({ ...stored, rrule: "FREQ=DAILY;BYHOUR=3", startsOnLocal: "2026-12-01T22:00:00" })).toBeNull();
  });

  const builder: fc.Arbitrary<RecurrenceBuilder> = fc
    .record({
      weekly: fc.boolean(),
      days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
      everyWeeks: fc.integer({ min: 1, max: 4 }),
      nth: fc.constantFrom(1, 2, 3, 4, -1),
      day: fc.constantFrom(...WEEKDAYS),
      startsOn: fc.date({ min: new Date("2026-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.constantFrom(0, 15, 30, 45),
      ends: fc.oneof(
        fc.constant({ kind: "never" as const }),
        fc.integer({ min: 1, max: 200 }).map((count) => ({ kind: "count" as const, count })),
        fc.constant({ kind: "until" as const, until: "2031-06-30" }),
      ),
    })
    .map((r) => {
      const common = {
        startsOn: r.startsOn.toISOString().slice(0, 10),
        time: `${String(r.hour).padStart(2, "0")}:${String(r.minute).padStart(2, "0")}`,
        ends: r.ends,
      };
      return r.weekly
        ? { pattern: "weekly" as const, days: r.days, everyWeeks: r.everyWeeks, ...common }
        : { pattern: "monthly" as const, nth: r.nth, day: r.day, ...common };
    });

  it("round-trips: a stored series shown in the form and posted unchanged stores the same rule", () => {
    fc.assert(
      fc.property(builder, (b) => {
        const built = buildRule(b);
        if (!built.ok) return;
        const values = seriesValues({ ...stored, rrule: built.rule, startsOnLocal: built.startsOnLocal });
        expect(values).not.toBeNull();
        const posted = postedForm({ ...values!, days: values!.days });
        const parsed = seriesInput.parse(seriesFormToInput(posted, LEAD));
        expect(buildRule(parsed.recurrence)).toEqual(built);
        expect(parsed).toMatchObject({ capacity: 8, durationMinutes: 90, roomStyle: "HAND_RAISE" });
        expect(parsed.backupFacilitatorId).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
