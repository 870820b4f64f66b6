import { describe, expect, it } from "vitest";
import { autoFill, listGaps, NOT_A_CANDIDATE_GROUP, prepareRota } from "./engine.js";
import {
  autoFillApplyInput,
  coverageLabel,
  coverageOf,
  describeRotaTemplate,
  localDate,
  rotaTemplateRequest,
  rotaWeek,
  rotaWeekParam,
} from "./coordinator.js";
import { LONDON, slotTemplates, volunteer } from "./testing.js";

const talkLine = {
  kind: "talk-line",
  name: "Talk line late",
  recurrence: {
    pattern: "weekly",
    days: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    everyWeeks: "1",
    startsOn: "2026-03-02",
    time: "21:30",
    ends: { kind: "never" },
  },
  durationMinutes: "180",
  minVolunteers: "1",
  maxVolunteers: "2",
};
const SERIES = "0b0c6a5e-7d7c-4a59-9e0b-1c1d7f1a2b3c";

const messages = (input: unknown) => {
  const r = rotaTemplateRequest.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("rotaTemplateRequest", () => {
  it("accepts a talk line from the builder and facilitator cover for a series", () => {
    const t = rotaTemplateRequest.parse(talkLine);
    expect(t).toMatchObject({ kind: "talk-line", durationMinutes: 180, minVolunteers: 1, maxVolunteers: 2 });
    expect(
      rotaTemplateRequest.parse({
        kind: "facilitator-cover",
        seriesId: SERIES,
        minVolunteers: "1",
        maxVolunteers: "1",
      }),
    ).toEqual({ kind: "facilitator-cover", seriesId: SERIES, minVolunteers: 1, maxVolunteers: 1 });
  });

  it("refuses min above max, HTML in the name, zero and huge numbers, unknown kinds and bad series ids", () => {
    expect(messages({ ...talkLine, minVolunteers: "3", maxVolunteers: "2" })).toEqual([
      "maxVolunteers: The most volunteers cannot be fewer than the fewest",
    ]);
    expect(messages({ ...talkLine, name: "<b>Late</b>" })).toEqual(["name: The name cannot contain < or >"]);
    expect(messages({ ...talkLine, name: "   " })).toEqual(["name: Name the rota template"]);
    expect(messages({ ...talkLine, minVolunteers: "0", maxVolunteers: "0" })).toEqual([
      "maxVolunteers: Between 1 and 20 volunteers",
    ]);
    expect(messages({ ...talkLine, maxVolunteers: "1000000" })).toEqual(["maxVolunteers: Between 1 and 20 volunteers"]);
    expect(messages({ ...talkLine, durationMinutes: "0" })).toEqual(["durationMinutes: At least 15 minutes"]);
    expect(messages({ ...talkLine, durationMinutes: "99999" })).toEqual(["durationMinutes: At most 12 hours"]);
    expect(messages({ ...talkLine, kind: "party" })).toEqual(["kind: Choose talk line or facilitator cover"]);
    expect(
      messages({ kind: "facilitator-cover", seriesId: "not-an-id", minVolunteers: "1", maxVolunteers: "1" }),
    ).toEqual(["seriesId: Choose a drop-in series to cover"]);
    expect(
      messages({ kind: "facilitator-cover", seriesId: SERIES, name: "<script>", minVolunteers: 1, maxVolunteers: 1 }),
    ).toEqual(["name: The name cannot contain < or >"]);
  });
});

describe("rotaWeek", () => {
  it("is Monday to Monday on the London clock, across the spring-forward night (167 hours)", () => {
    const w = rotaWeek("2026-03-29", new Date(), LONDON);
    expect(w.monday).toBe("2026-03-23");
    expect(w.from.toISOString()).toBe("2026-03-23T00:00:00.000Z");
    expect(w.to.toISOString()).toBe("2026-03-29T23:00:00.000Z");
    expect((w.to.getTime() - w.from.getTime()) / 3_600_000).toBe(167);
    expect(w.days.map((d) => d.date)).toEqual([
      "2026-03-23",
      "2026-03-24",
      "2026-03-25",
      "2026-03-26",
      "2026-03-27",
      "2026-03-28",
      "2026-03-29",
    ]);
    expect([w.previous, w.next]).toEqual(["2026-03-16", "2026-03-30"]);
  });

  it("defaults to the week of now on the organisation's clock (a Sunday 23:30 UTC in BST is Monday)", () => {
    expect(rotaWeek(null, new Date("2026-06-07T23:30:00Z"), LONDON).monday).toBe("2026-06-08");
    expect(rotaWeek(undefined, new Date("2026-06-07T23:30:00Z"), "UTC").monday).toBe("2026-06-01");
    expect(localDate(new Date("2026-06-07T23:30:00Z"), LONDON)).toBe("2026-06-08");
  });

  it("refuses dates that do not exist", () => {
    expect(rotaWeekParam.safeParse("2026-02-30").success).toBe(false);
    expect(rotaWeekParam.safeParse("next week").success).toBe(false);
    expect(rotaWeekParam.parse("2026-02-28")).toBe("2026-02-28");
  });
});

describe("coverage", () => {
  it("says gap, covered or full in words and numbers, not colour alone", () => {
    expect(coverageOf(0, 1, 2)).toBe("gap");
    expect(coverageOf(1, 1, 2)).toBe("ok");
    expect(coverageOf(2, 1, 2)).toBe("full");
    expect(coverageOf(0, 0, 1)).toBe("ok");
    expect(coverageLabel(1, 2, 3)).toEqual({ count: "1 of 2", state: "needs 1 more" });
    expect(coverageLabel(2, 2, 3)).toEqual({ count: "2 of 3", state: "covered" });
    expect(coverageLabel(3, 2, 3)).toEqual({ count: "3 of 3", state: "full" });
  });
});

describe("autoFillApplyInput", () => {
  const a = "0b0c6a5e-7d7c-4a59-9e0b-1c1d7f1a2b3c";
  const b = "9f9c6a5e-7d7c-4a59-9e0b-1c1d7f1a2b3c";
  it("reads slot:person pairs and refuses anything else or nothing", () => {
    expect(autoFillApplyInput.parse({ proposals: [`${a}:${b}`] })).toEqual({
      proposals: [{ slotId: a, personId: b }],
    });
    expect(autoFillApplyInput.safeParse({ proposals: [] }).success).toBe(false);
    expect(autoFillApplyInput.safeParse({ proposals: [`${a};drop table`] }).success).toBe(false);
  });
});

describe("auto-fill candidates", () => {
  const b = prepareRota({
    timeZone: LONDON,
    from: new Date("2026-02-09T00:00:00Z"),
    to: new Date("2026-02-10T00:00:00Z"),
    templates: [slotTemplates.gap],
    volunteers: [volunteer("ann").build(), volunteer("bob").build()],
  });

  it("proposes only candidates; eligible others are listed as such in the gaps", () => {
    expect(autoFill(b).proposals).toHaveLength(1);
    const only = autoFill(b, { candidates: new Set<string>() });
    expect(only.proposals).toEqual([]);
    expect(only.gaps[0]!.summary).toBe(`2 volunteers ${NOT_A_CANDIDATE_GROUP}`);
    expect(listGaps(b, { candidates: new Set(["ann"]) })[0]!.summary).toBe(
      `1 volunteer available, 1 ${NOT_A_CANDIDATE_GROUP}`,
    );
    expect(autoFill(b, { candidates: new Set(["bob"]) }).proposals.map((p) => p.volunteerId)).toEqual(["bob"]);
  });
});

describe("describeRotaTemplate", () => {
  it("says when in words, including across midnight, and gives up on rules the builder did not write", () => {
    expect(
      describeRotaTemplate({
        rule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        startsOnLocal: "2026-03-02T21:30:00",
        durationMinutes: 180,
      }),
    ).toBe("Every day, 21:30 to 00:30");
    expect(
      describeRotaTemplate({
        rule: "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO,WE;UNTIL=20260630T235959",
        startsOnLocal: "2026-03-02T13:00:00",
        durationMinutes: 120,
      }),
    ).toBe("Mon, Wed, every 2 weeks, 13:00 to 15:00, until 2026-06-30");
    expect(
      describeRotaTemplate({
        rule: "FREQ=MONTHLY;BYDAY=-1FR",
        startsOnLocal: "2026-03-02T20:00:00",
        durationMinutes: 60,
      }),
    ).toBe("The last Fri of each month, 20:00 to 21:00");
    expect(
      describeRotaTemplate({ rule: "FREQ=DAILY", startsOnLocal: "2026-03-02T20:00:00", durationMinutes: 60 }),
    ).toBe(null);
  });
});
