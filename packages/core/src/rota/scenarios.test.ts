import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { DomainError } from "../errors.js";
import { autoFill, checkEligibility, listGaps, prepareRota, type RotaBoard } from "./engine.js";
import type { RotaAssignment, RotaTemplate, RotaVolunteerInput } from "./schema.js";
import { LONDON, slotTemplates, volunteer } from "./testing.js";

const { late, early, gap } = slotTemplates;

function board(
  from: string,
  to: string,
  volunteers: RotaVolunteerInput[],
  opts: { templates?: RotaTemplate[]; assignments?: RotaAssignment[] } = {},
): RotaBoard {
  return prepareRota({
    timeZone: LONDON,
    from: new Date(from),
    to: new Date(to),
    templates: opts.templates ?? [late, early, gap],
    volunteers,
    assignments: opts.assignments ?? [],
  });
}

const slotAt = (b: RotaBoard, templateId: string, startIso: string) => {
  const slot = b.slots.find((s) => s.templateId === templateId && s.start.toISOString() === startIso);
  if (!slot) throw new Error(`no ${templateId} slot at ${startIso}`);
  return slot;
};

const why = (b: RotaBoard, volunteerId: string, slotId: string) => {
  const e = checkEligibility(b, volunteerId, slotId);
  return e.eligible ? "eligible" : e.reasons.map((r) => r.message);
};

describe("a night shift 22:00-07:00 next to the 06:30 early slot", () => {
  const b = board("2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z", [
    volunteer("nina").works("MO,TU", "night").build(),
    volunteer("eddie").works("MO,TU,WE,TH,FR", "early").build(),
  ]);

  it("keeps a night worker off the early slot until the night ends, and off the late before it", () => {
    expect(why(b, "nina", slotAt(b, "early", "2026-02-10T06:30:00.000Z").id)).toEqual(["working a night until 07:00"]);
    expect(why(b, "nina", slotAt(b, "early", "2026-02-11T06:30:00.000Z").id)).toEqual(["working a night until 07:00"]);
    expect(why(b, "nina", slotAt(b, "late", "2026-02-09T21:30:00.000Z").id)).toEqual(["working a night from 22:00"]);
    // Wednesday night is free and Thursday morning follows no night.
    expect(why(b, "nina", slotAt(b, "late", "2026-02-11T21:30:00.000Z").id)).toBe("eligible");
    expect(why(b, "nina", slotAt(b, "early", "2026-02-12T06:30:00.000Z").id)).toBe("eligible");
  });

  it("keeps an early worker off the early slot and off a late that leaves too little rest", () => {
    expect(why(b, "eddie", slotAt(b, "early", "2026-02-10T06:30:00.000Z").id)).toEqual(["working an early from 07:00"]);
    expect(why(b, "eddie", slotAt(b, "late", "2026-02-10T21:30:00.000Z").id)).toEqual([
      "would leave 6 h 30 min before your early",
    ]);
    // Friday's late leads into a weekend off.
    expect(why(b, "eddie", slotAt(b, "late", "2026-02-13T21:30:00.000Z").id)).toBe("eligible");
  });

  it("auto-fills around both patterns, and says why the rest stay open", () => {
    const { proposals, gaps } = autoFill(b);
    for (const p of proposals) expect(checkEligibility(b, p.volunteerId, p.slotId).eligible).toBe(true);
    const tuesdayEarly = slotAt(b, "early", "2026-02-10T06:30:00.000Z").id;
    expect(proposals.some((p) => p.slotId === tuesdayEarly)).toBe(false);
    const g = gaps.find((x) => x.slotId === tuesdayEarly)!;
    expect(g.summary).toBe("1 volunteer working earlies, 1 working nights");
  });
});

/** A slot at 01:30, the hour a clock change moves or repeats. */
const smallHours: RotaTemplate = {
  ...late,
  id: "small-hours",
  name: "Talk line small hours",
  startsOnLocal: "2026-01-05T01:30:00",
  durationMinutes: 60,
};
/** Nina works Saturday night; Eddie works Sunday's early and wants `restMinutes` before it. */
const clockChangeWeekend = (from: string, to: string, restMinutes: number) =>
  board(
    from,
    to,
    [
      volunteer("nina").works("SA", "night").build(),
      volunteer("eddie").works("SU", "early").prefers({ minRestBeforeWorkMinutes: restMinutes }).build(),
    ],
    { templates: [late, early, smallHours] },
  );

describe("Europe/London spring-forward night (2026-03-29)", () => {
  const b = clockChangeWeekend("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", 360);

  it("places slots by the clock: 06:30 BST, and 01:30 (which does not exist) at 02:30 BST, once", () => {
    expect(slotAt(b, "early", "2026-03-29T05:30:00.000Z").localStart).toBe("2026-03-29T06:30");
    const small = b.slots.filter((s) => s.templateId === "small-hours").map((s) => s.start.toISOString());
    expect(small).toEqual([
      "2026-03-27T01:30:00.000Z",
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z", // 02:30 BST
      "2026-03-30T00:30:00.000Z",
    ]);
    // The late slot is three elapsed hours; it ends before the clocks change.
    expect(slotAt(b, "late", "2026-03-28T21:30:00.000Z").localEnd).toBe("2026-03-29T00:30");
  });

  it("a Saturday night 22:00 GMT to 07:00 BST (8 h) still covers the 06:30 BST early slot", () => {
    expect(why(b, "nina", slotAt(b, "early", "2026-03-29T05:30:00.000Z").id)).toEqual(["working a night until 07:00"]);
    expect(why(b, "nina", slotAt(b, "small-hours", "2026-03-29T01:30:00.000Z").id)).toEqual([
      "working a night until 07:00",
    ]);
    // Sunday's early slot is clear: the night ended at 07:00 BST on Sunday (06:00 UTC).
    expect(why(b, "nina", slotAt(b, "early", "2026-03-30T05:30:00.000Z").id)).toBe("eligible");
  });

  it("measures rest in real hours: 00:30 GMT to 07:00 BST is 5 h 30 min, not the 6 h 30 min the clock suggests", () => {
    expect(why(b, "eddie", slotAt(b, "late", "2026-03-28T21:30:00.000Z").id)).toEqual([
      "would leave 5 h 30 min before your early",
    ]);
  });
});

describe("Europe/London fall-back night (2026-10-25)", () => {
  const b = clockChangeWeekend("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z", 420);

  it("holds the 01:30 slot once, at the first 01:30 (BST)", () => {
    const small = b.slots.filter((s) => s.templateId === "small-hours").map((s) => s.start.toISOString());
    expect(small).toEqual([
      "2026-10-23T00:30:00.000Z",
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z", // 01:30 BST, not the repeat at 01:30 GMT
      "2026-10-26T01:30:00.000Z",
    ]);
    expect(slotAt(b, "early", "2026-10-25T06:30:00.000Z").localStart).toBe("2026-10-25T06:30");
  });

  it("a Saturday night 22:00 BST to 07:00 GMT lasts 10 h and covers the 06:30 GMT early slot", () => {
    expect(why(b, "nina", slotAt(b, "early", "2026-10-25T06:30:00.000Z").id)).toEqual(["working a night until 07:00"]);
    expect(why(b, "nina", slotAt(b, "late", "2026-10-24T20:30:00.000Z").id)).toEqual(["working a night from 22:00"]);
  });

  it("measures rest in real hours: 00:30 BST to 07:00 GMT is 7 h 30 min, enough for a 7 h rest", () => {
    expect(why(b, "eddie", slotAt(b, "late", "2026-10-24T20:30:00.000Z").id)).toBe("eligible");
    expect(slotAt(b, "late", "2026-10-24T20:30:00.000Z").localEnd).toBe("2026-10-25T00:30");
  });
});

describe("a two-week rotating pattern", () => {
  // Week 1: earlies Monday to Wednesday. Week 2: nights Saturday and Sunday.
  const v = volunteer("rota")
    .rotating(2, "2026-01-08") // a Thursday: week 1 is the week of Monday 5 January
    .works("MO,TU,WE", "early", 1)
    .works("SA,SU", "night", 2)
    .build();

  it("is stored as INTERVAL=2 rules counted from Monday", () => {
    expect(v.pattern).toEqual({
      cycleStartsOn: "2026-01-05",
      everyWeeks: 2,
      sets: [
        { shiftId: "early", rruleSet: "DTSTART:20260105T070000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO,TU,WE" },
        { shiftId: "night", rruleSet: "DTSTART:20260117T220000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=SA,SU" },
      ],
    });
  });

  const b = board("2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z", [v]);

  it("alternates: earlies in week 1 (2 March), nights at the weekend of week 2, then earlies again", () => {
    expect(why(b, "rota", slotAt(b, "early", "2026-03-03T06:30:00.000Z").id)).toEqual(["working an early from 07:00"]);
    expect(why(b, "rota", slotAt(b, "early", "2026-03-05T06:30:00.000Z").id)).toBe("eligible"); // Thursday, week 1
    expect(why(b, "rota", slotAt(b, "early", "2026-03-10T06:30:00.000Z").id)).toBe("eligible"); // Tuesday, week 2
    expect(why(b, "rota", slotAt(b, "late", "2026-03-14T21:30:00.000Z").id)).toEqual(["working a night from 22:00"]);
    // Sunday is in week 2 too (WKST=MO), and Monday 16 March starts week 1 again with an early.
    expect(why(b, "rota", slotAt(b, "late", "2026-03-15T21:30:00.000Z").id)).toEqual([
      "working a night from 22:00",
      "would leave 6 h 30 min before your early",
    ]);
    expect(why(b, "rota", slotAt(b, "late", "2026-03-07T21:30:00.000Z").id)).toBe("eligible"); // week 1 Saturday
  });

  it("a shift off and an extra shift change single days", () => {
    const changed = volunteer("rota")
      .rotating(2, "2026-01-05")
      .works("MO,TU,WE", "early", 1)
      .works("SA,SU", "night", 2)
      .off("2026-03-03", "early")
      .extra("2026-03-05", "late")
      .build();
    const b2 = board("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z", [changed]);
    expect(why(b2, "rota", slotAt(b2, "early", "2026-03-03T06:30:00.000Z").id)).toBe("eligible");
    expect(why(b2, "rota", slotAt(b2, "late", "2026-03-05T21:30:00.000Z").id)).toEqual(["working a late until 22:00"]);
  });
});

describe("a split shift with a 13:00-15:00 gap", () => {
  const checkIn: RotaTemplate = {
    ...gap,
    id: "check-in",
    name: "Split check-in",
    startsOnLocal: "2026-01-05T13:45:00",
    durationMinutes: 30,
  };
  const b = board(
    "2026-02-09T00:00:00Z",
    "2026-02-14T00:00:00Z",
    [
      volunteer("sam").works("MO,TU,WE,TH,FR", "split").build(),
      volunteer("sue").works("MO,TU,WE,TH,FR", "split").build(),
      volunteer("olu").works("MO,WE", "split").build(),
    ],
    { templates: [gap, checkIn] },
  );

  it("the 2 h gap slot needs the 45 min break after the morning and before the afternoon", () => {
    expect(why(b, "sam", slotAt(b, "gap", "2026-02-09T13:00:00.000Z").id)).toEqual([
      "finishing a split at 13:00, needs 45 min before a slot",
      "back at work on your split at 15:00, needs 45 min after a slot",
    ]);
  });

  it("a 30 minute check-in 13:45-14:15 fits the gap exactly", () => {
    expect(why(b, "sam", slotAt(b, "check-in", "2026-02-09T13:45:00.000Z").id)).toBe("eligible");
  });

  it("auto-fill uses whoever is off that day, and reports the split workers on the others", () => {
    const { proposals, gaps } = autoFill(b, { fillTo: "min" });
    const gapSlots = proposals.filter((p) => p.templateId === "gap");
    expect(gapSlots.map((p) => [p.start.toISOString().slice(0, 10), p.volunteerId])).toEqual([
      ["2026-02-10", "olu"],
      ["2026-02-12", "olu"],
      ["2026-02-13", "olu"],
    ]);
    const monday = gaps.find((g) => g.slotId === slotAt(b, "gap", "2026-02-09T13:00:00.000Z").id)!;
    // One of them took Monday's check-in inside the gap, so is busy then.
    expect(monday.summary).toBe("2 volunteers just off splits, 1 on another slot then");
  });
});

describe("limits and existing assignments", () => {
  const b = board(
    "2026-02-09T00:00:00Z",
    "2026-02-16T00:00:00Z",
    [
      volunteer("n1").works("MO", "night").build(),
      volunteer("n2").works("MO", "night").build(),
      volunteer("n3").works("MO", "night").build(),
      volunteer("w1").prefers({ maxSlotsPerWeek: 1 }).build(),
      volunteer("w2").prefers({ maxSlotsPerWeek: 1 }).build(),
      volunteer("ln").prefers({ maxConsecutiveLateNights: 2 }).build(),
      volunteer("pref")
        .prefers({ windows: [{ days: ["SA", "SU"], from: "18:00", to: "02:00" }] })
        .build(),
    ],
    {
      assignments: [
        { volunteerId: "w1", templateId: "late", start: new Date("2026-02-12T21:30:00Z") },
        { volunteerId: "w2", templateId: "late", start: new Date("2026-02-13T21:30:00Z") },
        { volunteerId: "ln", templateId: "late", start: new Date("2026-02-09T21:30:00Z") },
        { volunteerId: "ln", templateId: "late", start: new Date("2026-02-10T21:30:00Z") },
      ],
    },
  );

  it("counts existing assignments toward weekly and late-night limits", () => {
    const wed = slotAt(b, "late", "2026-02-11T21:30:00.000Z").id;
    expect(why(b, "w1", wed)).toEqual(["already at your weekly max of 1 slot"]);
    expect(why(b, "ln", wed)).toEqual(["would be 3 late nights in a row (max 2)"]);
    expect(why(b, "pref", wed)).toEqual(["outside the times you offered"]);
    expect(why(b, "pref", slotAt(b, "late", "2026-02-14T21:30:00.000Z").id)).toBe("eligible"); // Saturday
    expect(why(b, "w1", slotAt(b, "late", "2026-02-12T21:30:00.000Z").id)).toEqual(["already on this slot"]);
  });

  it("a volunteer cannot be in two overlapping slots", () => {
    const b2 = board("2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z", [volunteer("a").build()], {
      templates: [late, { ...late, id: "night-line", name: "Talk line night", startsOnLocal: "2026-01-05T23:00:00" }],
      assignments: [{ volunteerId: "a", templateId: "late", start: new Date("2026-02-10T21:30:00Z") }],
    });
    expect(why(b2, "a", slotAt(b2, "night-line", "2026-02-10T23:00:00.000Z").id)).toEqual([
      "already on Talk line late at 21:30",
    ]);
  });

  it("lists gaps with aggregated reasons", () => {
    const early = slotAt(b, "early", "2026-02-10T06:30:00.000Z");
    const onlyBlocked = prepareRota({
      timeZone: LONDON,
      from: new Date("2026-02-09T00:00:00Z"),
      to: new Date("2026-02-16T00:00:00Z"),
      templates: [slotTemplates.early, slotTemplates.late],
      volunteers: [
        volunteer("n1").works("MO", "night").build(),
        volunteer("n2").works("MO", "night").build(),
        volunteer("n3").works("MO", "night").build(),
        volunteer("w1").prefers({ maxSlotsPerWeek: 1 }).build(),
        volunteer("w2").prefers({ maxSlotsPerWeek: 1 }).build(),
      ],
      assignments: [
        { volunteerId: "w1", templateId: "late", start: new Date("2026-02-12T21:30:00Z") },
        { volunteerId: "w2", templateId: "late", start: new Date("2026-02-13T21:30:00Z") },
      ],
    });
    const g = listGaps(onlyBlocked).find((x) => x.slotId === early.id)!;
    expect(g).toMatchObject({ filled: 0, needed: 1, summary: "3 volunteers working nights, 2 at weekly max" });
    expect(g.reasons).toEqual([
      { group: "working nights", count: 3 },
      { group: "at weekly max", count: 2 },
    ]);
  });
});

describe("bad input", () => {
  const base = {
    timeZone: LONDON,
    from: new Date("2026-02-09T00:00:00Z"),
    to: new Date("2026-02-16T00:00:00Z"),
    templates: [late],
    volunteers: [volunteer("a").build()],
  };

  it("names unknown template ids in assignments", () => {
    const run = () =>
      prepareRota({ ...base, assignments: [{ volunteerId: "a", templateId: "nope", start: new Date() }] });
    expect(run).toThrow(DomainError);
    expect(run).toThrow('Unknown rota template "nope"');
  });

  it("names unknown shifts in a stored pattern and unknown zones", () => {
    const v = volunteer("a").works("MO", "night").build();
    expect(() => prepareRota({ ...base, volunteers: [{ ...v, shifts: [] }] })).toThrow(
      'Volunteer "a": unknown shift "night"',
    );
    expect(() => prepareRota({ ...base, timeZone: "Europe/Narnia" })).toThrow('Unknown time zone "Europe/Narnia"');
  });

  it("rejects limits out of range and an empty window with readable messages", () => {
    const bad = () =>
      prepareRota({ ...base, volunteers: [volunteer("a").prefers({ bufferAfterWorkMinutes: 5 }).build()] });
    expect(bad).toThrow(ZodError);
    expect(bad).toThrow("The break after work must be between 15 and 240 minutes");
    expect(() => prepareRota({ ...base, defaults: { maxSlotsPerWeek: 99 } })).toThrow(
      "The most slots a week must be between 0 and 21",
    );
    expect(() => prepareRota({ ...base, to: base.from })).toThrow("The end of the window must be after its start");
    expect(() => prepareRota({ ...base, templates: [{ ...late, minVolunteers: 3, maxVolunteers: 2 }] })).toThrow(
      "The most volunteers cannot be fewer than the fewest",
    );
  });
});

describe("a volunteer who also facilitates a drop-in", () => {
  // Monday 9 February 2026: the late talk-line slot 21:30-00:30; Dev runs "After a death" 21:30-22:45.
  const dropIn = {
    title: "After a death",
    start: new Date("2026-02-09T21:30:00Z"),
    end: new Date("2026-02-09T22:45:00Z"),
  };
  const b = board(
    "2026-02-09T00:00:00Z",
    "2026-02-11T00:00:00Z",
    [{ ...volunteer("dev").build(), facilitating: [dropIn] }],
    { templates: [late] },
  );
  const monday = slotAt(b, "late", "2026-02-09T21:30:00.000Z");
  const tuesday = slotAt(b, "late", "2026-02-10T21:30:00.000Z");

  it("is busy while running it: the talk line at the same time is refused, with the reason", () => {
    expect(why(b, "dev", monday.id)).toEqual(['already on the drop-in "After a death" at 21:30']);
    expect(why(b, "dev", tuesday.id)).toBe("eligible");
  });

  it("is never auto-filled onto the talk line then", () => {
    const result = autoFill(b);
    const proposed = result.proposals.filter((p) => p.volunteerId === "dev").map((p) => p.slotId);
    expect(proposed).toContain(tuesday.id);
    expect(proposed).not.toContain(monday.id);
  });
});
