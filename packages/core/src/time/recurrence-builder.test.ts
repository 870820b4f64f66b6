import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildRule, builderFromRule, WEEKDAYS, type RecurrenceBuilder } from "./recurrence-builder.js";
import { expandBetween } from "./recurrence.js";
import { wallTimeAt } from "./zoned.js";
import { weeklyRecurrence as weekly } from "./testing.js";

describe("recurrence builder", () => {
  it("builds weekly, fortnightly and monthly rules", () => {
    expect(buildRule(weekly())).toEqual({
      ok: true,
      rule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TU,TH",
      startsOnLocal: "2026-12-01T22:00:00",
    });
    expect(buildRule(weekly({ everyWeeks: 2, ends: { kind: "count", count: 6 } }))).toMatchObject({
      rule: "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TU,TH;COUNT=6",
    });
    expect(
      buildRule({
        pattern: "monthly",
        nth: -1,
        day: "FR",
        startsOn: "2026-12-01",
        time: "21:30",
        ends: { kind: "until", until: "2027-06-30" },
      }),
    ).toMatchObject({ rule: "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630T235959" });
  });

  it("refuses an end before the start and impossible dates", () => {
    expect(buildRule(weekly({ ends: { kind: "until", until: "2026-11-01" } }))).toEqual({
      ok: false,
      field: "until",
      message: "The end date is before the start date",
    });
    expect(buildRule(weekly({ startsOn: "2026-02-30" }))).toMatchObject({ ok: false, field: "startsOn" });
  });

  it("produces rules whose sessions are 22:00 London time either side of the clock change, and stop at UNTIL", () => {
    const built = buildRule(weekly({ startsOn: "2027-03-16", ends: { kind: "until", until: "2027-04-08" } }));
    if (!built.ok) throw new Error(built.message);
    const occ = expandBetween(
      { rule: built.rule, startsOnLocal: built.startsOnLocal, timeZone: "Europe/London" },
      new Date("2027-03-01Z"),
      new Date("2027-05-01Z"),
    );
    expect(occ.map((o) => o.start.toISOString())).toEqual([
      "2027-03-16T22:00:00.000Z",
      "2027-03-18T22:00:00.000Z",
      "2027-03-23T22:00:00.000Z",
      "2027-03-25T22:00:00.000Z",
      "2027-03-30T21:00:00.000Z",
      "2027-04-01T21:00:00.000Z",
      "2027-04-06T21:00:00.000Z",
      "2027-04-08T21:00:00.000Z",
    ]);
    for (const o of occ) expect(wallTimeAt(o.start, "Europe/London").hour).toBe(22);
  });
});

describe("monthly rules (property)", () => {
  it("every occurrence is the chosen nth (or last) weekday of its month, at the chosen London time, 2026-2030", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4, -1),
        fc.constantFrom(...WEEKDAYS),
        fc.integer({ min: 0, max: 23 }).filter((h) => h !== 1), // 01:xx can fall in the spring gap (tested separately)
        fc.constantFrom("00", "30"),
        fc.integer({ min: 2026, max: 2029 }),
        (nth, day, hour, minute, year) => {
          const time = `${String(hour).padStart(2, "0")}:${minute}`;
          const built = buildRule({
            pattern: "monthly",
            nth,
            day,
            startsOn: `${year}-01-01`,
            time,
            ends: { kind: "never" },
          });
          if (!built.ok) throw new Error(built.message);
          const occ = expandBetween(
            { rule: built.rule, startsOnLocal: built.startsOnLocal, timeZone: "Europe/London" },
            new Date(Date.UTC(year, 0, 1)),
            new Date(Date.UTC(year + 1, 0, 1)),
          );
          expect(occ.length).toBeGreaterThanOrEqual(11); // one a month (the first may fall just before the window)
          const dayIndex = WEEKDAYS.indexOf(day);
          for (const o of occ) {
            const w = wallTimeAt(o.start, "Europe/London");
            expect([w.hour, w.minute]).toEqual([hour, Number(minute)]);
            const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;
            expect(weekday).toBe(dayIndex);
            const daysInMonth = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
            if (nth === -1) expect(w.day + 7).toBeGreaterThan(daysInMonth);
            else expect(Math.ceil(w.day / 7)).toBe(nth);
          }
          const months = occ.map((o) => wallTimeAt(o.start, "Europe/London").month);
          expect(new Set(months).size).toBe(months.length); // once a month, no duplicates
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe("builderFromRule (edit forms start from the stored rule)", () => {
  const day = fc.constantFrom(...WEEKDAYS);
  const date = fc
    .date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
  const builder: fc.Arbitrary<RecurrenceBuilder> = fc
    .record({
      repeat: fc.oneof(
        fc.record({
          pattern: fc.constant("weekly" as const),
          days: fc.uniqueArray(day, { minLength: 1, maxLength: 7 }),
          everyWeeks: fc.integer({ min: 1, max: 4 }),
        }),
        fc.record({
          pattern: fc.constant("monthly" as const),
          nth: fc.constantFrom(1, 2, 3, 4, -1),
          day,
        }),
      ),
      startsOn: date,
      time: fc
        .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
        .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
      ends: fc.oneof(
        fc.constant({ kind: "never" as const }),
        fc.integer({ min: 1, max: 200 }).map((count) => ({ kind: "count" as const, count })),
        fc.constant({ kind: "until" as const, until: "2031-06-30" }),
      ),
    })
    .map(({ repeat, ...rest }) => ({ ...repeat, ...rest }) as RecurrenceBuilder);

  it("gives back a choice that builds the very same rule", () => {
    fc.assert(
      fc.property(builder, (b) => {
        const built = buildRule(b);
        if (!built.ok) return;
        const back = builderFromRule(built.rule, built.startsOnLocal);
        expect(back).not.toBeNull();
        expect(buildRule(back!)).toEqual(built);
      }),
    );
  });

  it("refuses rules the builder never writes", () => {
    expect(builderFromRule("FREQ=DAILY", "2026-12-01T22:00:00")).toBeNull();
    expect(builderFromRule("FREQ=WEEKLY;BYDAY=XX", "2026-12-01T22:00:00")).toBeNull();
    expect(builderFromRule("FREQ=MONTHLY;BYDAY=5TU", "2026-12-01T22:00:00")).toBeNull();
    expect(builderFromRule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270101", "2026-12-01T22:00:00")).toBeNull();
    expect(builderFromRule("FREQ=WEEKLY;BYDAY=TU", "not a date")).toBeNull();
  });
});
