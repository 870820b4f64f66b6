import { describe, expect, it } from "vitest";
import { DomainError } from "../errors.js";
import { expandRuleSet, parseRuleSet } from "./recurrence-set.js";

describe("recurrence sets", () => {
  it("applies RDATE and EXDATE", () => {
    const set = parseRuleSet(
      "DTSTART:20260105T220000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO\nRDATE:20260107T220000\nEXDATE:20260119T220000",
    );
    const out = expandRuleSet(set, Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 10)).map((t) =>
      new Date(t).toISOString().slice(0, 10),
    );
    expect(out).toEqual(["2026-01-05", "2026-01-07", "2026-02-02"]);
  });

  it("refuses zones, UTC stamps and unknown lines", () => {
    expect(() => parseRuleSet("DTSTART;TZID=Europe/London:20260105T220000")).toThrow(DomainError);
    expect(() => parseRuleSet("DTSTART:20260105T220000Z")).toThrow(/local times/);
    expect(() => parseRuleSet("DTSTART:20260105T220000\nSUMMARY:x")).toThrow(/not part of a recurrence set/);
    expect(() => parseRuleSet("RRULE:FREQ=DAILY")).toThrow(/needs a DTSTART/);
    expect(() => parseRuleSet("DTSTART:20260105T220000\nRRULE:FREQ=SOMETIMES")).toThrow(/FREQ/);
  });
});
