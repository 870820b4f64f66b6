import { describe, expect, it } from "vitest";
import { buildRule, rotaTemplateRequest, WEEKDAYS } from "@offshift/core";
import type { RotaTemplateRow } from "@offshift/db";
import {
  newRotaTemplateValues,
  rotaTemplateFormInput,
  rotaTemplateFormValues,
  rotaTemplateValues,
} from "./rota-template-form.js";
import { postedForm } from "./posted-form.test-support.js";

const SERIES = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";

const talkLine = {
  kind: "talk-line",
  name: "Talk line late",
  startsOn: "2026-12-01",
  time: "21:30",
  endsKind: "never",
  durationMinutes: "180",
  minVolunteers: "1",
  maxVolunteers: "2",
};

const row = (over: Partial<RotaTemplateRow>): RotaTemplateRow => ({
  id: "t1",
  name: "Talk line late",
  kind: "TALK_LINE",
  active: true,
  seriesId: null,
  seriesTitle: null,
  rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
  startsOnLocal: "2026-12-01T21:30:00",
  durationMinutes: 180,
  minVolunteers: 1,
  maxVolunteers: 2,
  when: null,
  upcomingSlots: 0,
  ...over,
});

describe("rotaTemplateFormInput", () => {
  it("posts 'every day' as weekly on all seven days, whatever day boxes came with it", () => {
    const input = rotaTemplateFormInput(postedForm({ ...talkLine, pattern: "daily", days: ["MO"], everyWeeks: "3" }));
    const parsed = rotaTemplateRequest.parse(input);
    if (parsed.kind !== "talk-line") throw new Error("expected a talk-line template");
    expect(parsed.recurrence).toMatchObject({ pattern: "weekly", days: [...WEEKDAYS], everyWeeks: 1 });
    expect(parsed).toMatchObject({ name: "Talk line late", durationMinutes: 180, minVolunteers: 1, maxVolunteers: 2 });
  });

  it("keeps a weekly choice as it was sent", () => {
    const parsed = rotaTemplateRequest.parse(
      rotaTemplateFormInput(postedForm({ ...talkLine, pattern: "weekly", days: ["SA", "SU"], everyWeeks: "2" })),
    );
    if (parsed.kind !== "talk-line") throw new Error("expected a talk-line template");
    expect(parsed.recurrence).toMatchObject({ pattern: "weekly", days: ["SA", "SU"], everyWeeks: 2 });
  });

  it("sends only the series and volunteer numbers for facilitator cover (its times are the series')", () => {
    const input = rotaTemplateFormInput(
      postedForm({
        kind: "facilitator-cover",
        name: "",
        seriesId: SERIES,
        minVolunteers: "1",
        maxVolunteers: "1",
        time: "09:00",
      }),
    );
    expect(input).toEqual({
      kind: "facilitator-cover",
      name: "",
      seriesId: SERIES,
      minVolunteers: "1",
      maxVolunteers: "1",
    });
    expect(rotaTemplateRequest.parse(input)).toMatchObject({
      kind: "facilitator-cover",
      name: undefined,
      seriesId: SERIES,
    });
  });
});

describe("rotaTemplateFormValues", () => {
  it("echoes what was sent, with the form's defaults for what was not", () => {
    expect(rotaTemplateFormValues(postedForm({ name: "Early", days: ["MO"] }))).toMatchObject({
      kind: "talk-line",
      name: "Early",
      pattern: "daily",
      days: ["MO"],
      time: "21:30",
      endsKind: "never",
    });
  });
});

describe("rotaTemplateValues", () => {
  it("shows a seven-day weekly rule as 'every day' and keeps the stored numbers", () => {
    expect(rotaTemplateValues(row({}), "2026-12-07")).toMatchObject({
      kind: "talk-line",
      pattern: "daily",
      days: [],
      startsOn: "2026-12-01",
      time: "21:30",
      durationMinutes: "180",
      minVolunteers: "1",
      maxVolunteers: "2",
    });
  });

  it("shows other weekly rules day by day, and a rule the builder did not write as the defaults", () => {
    const weekends = rotaTemplateValues(row({ rrule: "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=SA,SU" }), "2026-12-07");
    expect(weekends).toMatchObject({ pattern: "weekly", days: ["SA", "SU"], everyWeeks: "2" });
    const odd = rotaTemplateValues(row({ rrule: "FREQ=HOURLY" }), "2026-12-07");
    expect(odd).toMatchObject({ pattern: "daily", startsOn: "2026-12-07", name: "Talk line late" });
    expect(rotaTemplateValues(row({ kind: "FACILITATOR_COVER", seriesId: SERIES }), "2026-12-07")).toMatchObject({
      kind: "facilitator-cover",
      seriesId: SERIES,
    });
  });

  it("round-trips: a stored template shown in the form and posted unchanged stores the same rule", () => {
    for (const rrule of [
      "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
      "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TU,TH",
      "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6",
    ]) {
      const values = rotaTemplateValues(row({ rrule }), "2026-12-07");
      const parsed = rotaTemplateRequest.parse(rotaTemplateFormInput(postedForm({ ...values, days: values.days })));
      if (parsed.kind !== "talk-line") throw new Error("expected a talk-line template");
      expect(buildRule(parsed.recurrence)).toMatchObject({ ok: true, rule: rrule });
    }
    expect(newRotaTemplateValues("2026-12-07").startsOn).toBe("2026-12-07");
  });
});
