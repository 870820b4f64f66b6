import { describe, expect, it } from "vitest";
import { firstClash, seriesInput } from "./series.js";
import { fieldErrors } from "../people/schema.js";
import { weeklyRecurrence as weekly } from "../time/testing.js";

/** A good series, as the form sends it. */
const base = {
  title: "Lone working at night",
  theme: "Lone working at night",
  description: "Driving between calls in the dark: what helps.",
  language: "en",
  capacity: "12",
  roomStyle: "HAND_RAISE",
  durationMinutes: "60",
  facilitatorId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90",
  recurrence: weekly(),
};
/** Each field's message, as the form shows it. */
const errors = (v: object) => {
  const r = seriesInput.safeParse(v);
  return r.success ? {} : fieldErrors(r.error);
};

describe("series input", () => {
  it("accepts a good series", () => {
    expect(seriesInput.parse(base).capacity).toBe(12);
  });
  it("explains zero or huge capacity, HTML in titles, the same backup, unknown themes", () => {
    expect(errors({ ...base, capacity: "0" }).capacity).toBe("At least 2 people");
    expect(errors({ ...base, capacity: "5000" }).capacity).toMatch(/At most 50/);
    expect(errors({ ...base, title: "<img src=x onerror=alert(1)>" }).title).toBe("A title cannot contain < or >");
    expect(errors({ ...base, backupFacilitatorId: base.facilitatorId }).backupFacilitatorId).toBe(
      "The backup must be someone other than the facilitator",
    );
    expect(errors({ ...base, theme: "Crypto tips" }).theme).toBe("Choose a theme from the list");
    expect(errors({ ...base, recurrence: { ...weekly(), days: [] } }).recurrence).toBe("Choose at least one day");
  });
});

describe("hidden characters in series text", () => {
  it("a title is one line: line breaks, tabs, null bytes and other control characters are refused in plain words", () => {
    for (const title of [
      "Nights\r\nBEGIN:VEVENT",
      "Nights\nX-WR-CALNAME:Evil",
      "Nights\u0000",
      "Tab\there",
      "Bell\u0007",
      "C1\u0085",
    ])
      expect(errors({ ...base, title }).title).toBe("A title cannot contain line breaks or hidden characters");
  });
  it("a description may have line breaks, but no null bytes or other hidden characters", () => {
    expect(errors({ ...base, description: "First line.\r\nSecond line.\n\nThird." }).description).toBeUndefined();
    expect(errors({ ...base, description: "Driving between calls\u0000 in the dark" }).description).toBe(
      "A description cannot contain hidden characters",
    );
  });
});

describe("double booking", () => {
  const s = (title: string, rule: string, start: string, minutes = 60) => ({
    title,
    rule,
    startsOnLocal: start,
    timeZone: "Europe/London",
    durationMinutes: minutes,
  });
  const from = new Date("2026-12-01T00:00:00Z");
  it("finds an overlap with an existing series", () => {
    const clash = firstClash(
      s("New", "FREQ=WEEKLY;BYDAY=TH", "2026-12-03T21:30:00"),
      [s("Old", "FREQ=DAILY", "2026-11-01T22:00:00")],
      from,
    );
    expect(clash).toEqual({ with: "Old", at: new Date("2026-12-03T21:30:00Z") });
  });
  it("allows back-to-back sessions", () => {
    expect(
      firstClash(s("New", "FREQ=DAILY", "2026-12-01T23:00:00"), [s("Old", "FREQ=DAILY", "2026-11-01T22:00:00")], from),
    ).toBeNull();
  });
});
