import { describe, expect, it } from "vitest";
import ICAL from "ical.js";
import nodeIcal from "node-ical";
import { sessionsCalendar, type CalendarSession } from "./calendar.js";
import { expandBetween } from "../time/recurrence.js";

const LONDON = "Europe/London";
// A 22:00 Tuesday series across the October 2026 clock change.
const sessions: CalendarSession[] = expandBetween(
  { rule: "FREQ=WEEKLY;BYDAY=TU", startsOnLocal: "2026-10-13T22:00:00", timeZone: LONDON },
  new Date("2026-10-13T00:00:00Z"),
  new Date("2026-11-04T00:00:00Z"),
).map((o, i) => ({
  occurrenceId: `00000000-0000-4000-8000-00000000000${i}`,
  title: "Lone working at night",
  theme: "Lone working at night",
  description: "Driving between calls in the dark.",
  startsAt: o.start,
  endsAt: new Date(o.start.getTime() + 3_600_000),
  cancelled: i === 2,
  updatedAt: new Date("2026-10-01T12:00:00Z"),
}));
const text = sessionsCalendar({
  name: "Offshift drop-ins",
  timeZone: LONDON,
  origin: "https://offshift.example",
  sessions,
});

describe("drop-in calendars", () => {
  it("carries a VTIMEZONE and local times", () => {
    expect(text).toContain("BEGIN:VTIMEZONE");
    expect(text).toContain("TZID:Europe/London");
    expect(text).toContain("DTSTART;TZID=Europe/London:20261013T220000");
    expect(text).toContain("DTSTART;TZID=Europe/London:20261027T220000");
  });

  it("parses with ical.js to the same instants the pages show, at 22:00 local both sides of the change", () => {
    const comp = new ICAL.Component(ICAL.parse(text));
    const tz = comp.getFirstSubcomponent("vtimezone")!;
    ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    const events = comp.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.startDate.toJSDate().toISOString())).toEqual(
      sessions.map((s) => s.startsAt.toISOString()),
    );
    expect(events.map((e) => e.startDate.toString())).toEqual([
      "2026-10-13T22:00:00",
      "2026-10-20T22:00:00",
      "2026-10-27T22:00:00",
      "2026-11-03T22:00:00",
    ]);
    expect(events.map((e) => e.component.getFirstPropertyValue("status"))).toEqual([
      "CONFIRMED",
      "CONFIRMED",
      "CANCELLED",
      "CONFIRMED",
    ]);
  });

  it("parses with node-ical to the same instants", () => {
    const parsed = nodeIcal.sync.parseICS(text);
    const events = Object.values(parsed).filter((c) => c?.type === "VEVENT") as nodeIcal.VEvent[];
    expect(events.map((e) => new Date(e.start).toISOString()).sort()).toEqual(
      sessions.map((s) => s.startsAt.toISOString()).sort(),
    );
    expect(events.map((e) => e.uid).sort()).toEqual(sessions.map((s) => `${s.occurrenceId}@offshift`).sort());
  });
});

describe("calendar text from people", () => {
  it("a title with line breaks stays inside its own property: no injected lines in NAME, X-WR-CALNAME or SUMMARY", () => {
    const evil = "Nights\r\nBEGIN:VEVENT\r\nSUMMARY:Free money\nX-INJECTED:1";
    const out = sessionsCalendar({
      name: `${evil} (Offshift)`,
      timeZone: LONDON,
      origin: "https://offshift.example",
      sessions: [{ ...sessions[0]!, title: evil, description: "Line one.\nX-ALSO-INJECTED:1" }],
    });
    const lines = out.split("\r\n");
    expect(lines.filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
    expect(lines.some((l) => l.startsWith("X-INJECTED") || l.startsWith("X-ALSO-INJECTED"))).toBe(false);
    expect(lines.some((l) => l.startsWith("SUMMARY:Free money"))).toBe(false);
    // A calendar app sees one calendar name, with the breaks escaped inside it, and one event.
    const comp = new ICAL.Component(ICAL.parse(out));
    expect(comp.getFirstPropertyValue("x-wr-calname")).toBe(
      "Nights\\nBEGIN:VEVENT\\nSUMMARY:Free money\\nX-INJECTED:1 (Offshift)",
    );
    expect(comp.getAllSubcomponents("vevent")).toHaveLength(1);
  });
});
