import { describe, expect, it } from "vitest";
import fc from "fast-check";
import ICAL from "ical.js";
import { volunteerCalendar } from "./calendar.js";
import {
  dropNotice,
  durationInWords,
  isFeedToken,
  preferencesForm,
  ROTA_DROP_NOTICE_HOURS,
  signUpNotice,
  shiftTemplates,
} from "./volunteer.js";
import { SHIFT_PRESETS, rotaOfferAction, rotaSignUpAction, rotaSlotAction } from "./schema.js";

const H = 3_600_000;

describe("dropNotice", () => {
  const start = new Date("2026-12-10T21:30:00Z");
  it("allows a drop with at least the notice period to go", () => {
    expect(dropNotice(start, new Date(start.getTime() - ROTA_DROP_NOTICE_HOURS * H))).toEqual({ ok: true });
  });
  it("refuses inside the notice period and points to asking for cover", () => {
    const r = dropNotice(start, new Date(start.getTime() - ROTA_DROP_NOTICE_HOURS * H + 60_000));
    expect(r).toMatchObject({ ok: false, reason: "notice" });
    expect(!r.ok && r.message).toContain("Ask for cover");
  });
  it("refuses once the slot has started", () => {
    expect(dropNotice(start, start)).toMatchObject({ ok: false, reason: "started" });
  });
});

describe("signing up inside the drop notice", () => {
  const start = new Date("2026-12-10T21:30:00Z");
  it("warns, in hours, that the slot can't then be dropped", () => {
    expect(signUpNotice(start, new Date(start.getTime() - 5 * H))).toEqual({
      inside: true,
      message: "This starts in 5 hours. Once you sign up you can't drop it — you'd need to ask for cover.",
    });
    expect(signUpNotice(start, new Date(start.getTime() - 47 * H - 59 * 60_000))).toMatchObject({
      message: expect.stringContaining("This starts in 47 hours 59 minutes."),
    });
  });
  it("says nothing with the notice period still to go, or once it has started (sign-up refuses that)", () => {
    expect(signUpNotice(start, new Date(start.getTime() - ROTA_DROP_NOTICE_HOURS * H))).toEqual({ inside: false });
    expect(signUpNotice(start, start)).toEqual({ inside: false });
  });
  it("warns exactly when a drop straight after signing up would be refused for notice, and it stays refused", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3 * 86_400_000, max: 4 * 86_400_000 }),
        fc.integer({ min: 0, max: 4 * 86_400_000 }),
        (before, later) => {
          const now = new Date(start.getTime() - before);
          const warned = signUpNotice(start, now).inside;
          const drop = dropNotice(start, now);
          expect(warned).toBe(!drop.ok && drop.reason === "notice");
          // Once warned, no later moment lets them drop it.
          if (warned) expect(dropNotice(start, new Date(now.getTime() + later)).ok).toBe(false);
        },
      ),
    );
  });
  it.each([
    [0, "less than a minute"],
    [59_999, "less than a minute"],
    [60_000, "1 minute"],
    [45 * 60_000, "45 minutes"],
    [H, "1 hour"],
    [H + 60_000, "1 hour 1 minute"],
    [29 * H + 30 * 60_000, "29 hours 30 minutes"],
  ])("says %i ms as %s", (ms, words) => {
    expect(durationInWords(ms)).toBe(words);
  });
});

describe("rotaSignUpAction", () => {
  const slotId = "0f8fad5b-d9cb-469f-a165-70867728950e";
  it("takes a slot, with or without the confirmation", () => {
    expect(rotaSignUpAction.parse({ slotId })).toEqual({ slotId });
    expect(rotaSignUpAction.parse({ slotId, understood: "yes" })).toEqual({ slotId, understood: "yes" });
  });
  it("refuses any other answer to the warning, and a bad slot, with clear messages", () => {
    expect(rotaSignUpAction.safeParse({ slotId, understood: "maybe" }).error!.issues[0]!.message).toBe(
      "To sign up, confirm you understand you can't drop this slot",
    );
    expect(rotaSignUpAction.safeParse({ slotId: "nope" }).error!.issues[0]!.message).toBe(
      "That slot could not be found",
    );
  });
});

describe("preferencesForm", () => {
  it("treats blanks as the coordinator's default", () => {
    expect(
      preferencesForm.parse({
        maxSlotsPerWeek: "",
        maxHoursPerWeek: " ",
        maxConsecutiveLateNights: "",
        bufferAfterWorkMinutes: "",
        minRestBeforeWorkHours: "",
      }),
    ).toEqual({ windows: [] });
  });
  it("stores rest in minutes and keeps the limits given", () => {
    expect(
      preferencesForm.parse({
        maxSlotsPerWeek: "2",
        maxHoursPerWeek: "7.5",
        maxConsecutiveLateNights: "0",
        bufferAfterWorkMinutes: "60",
        minRestBeforeWorkHours: "9.5",
        windows: [{ days: ["MO", "TU"], from: "20:00", to: "02:00" }],
      }),
    ).toEqual({
      maxSlotsPerWeek: 2,
      maxHoursPerWeek: 7.5,
      maxConsecutiveLateNights: 0,
      bufferAfterWorkMinutes: 60,
      minRestBeforeWorkMinutes: 570,
      windows: [{ days: ["MO", "TU"], from: "20:00", to: "02:00" }],
    });
  });
  it.each([
    ["maxSlotsPerWeek", "22", "between 0 and 21"],
    ["maxHoursPerWeek", "61", "between 0 and 60"],
    ["maxHoursPerWeek", "7.3", "quarters"],
    ["maxConsecutiveLateNights", "-1", "between 0 and 7"],
    ["bufferAfterWorkMinutes", "5", "between 15 and 240"],
    ["minRestBeforeWorkHours", "20", "between 4 and 16 hours"],
    ["minRestBeforeWorkHours", "abc", "rest before work"],
  ])("refuses %s = %s with a clear message", (field, value, message) => {
    const r = preferencesForm.safeParse({ [field]: value });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual([field]);
    expect(r.error!.issues[0]!.message).toContain(message);
  });
  it("refuses a window without days or with a bad time", () => {
    const r = preferencesForm.safeParse({ windows: [{ days: [], from: "25:00", to: "02:00" }] });
    expect(r.error!.issues.map((i) => i.message)).toEqual(["Choose at least one day", "Choose a time like 07:00"]);
  });
});

describe("shiftTemplates", () => {
  it("accepts the presets", () => {
    expect(shiftTemplates.parse(SHIFT_PRESETS)).toHaveLength(SHIFT_PRESETS.length);
  });
  it("refuses two shifts with one id or one name", () => {
    const r = shiftTemplates.safeParse([SHIFT_PRESETS[0], { ...SHIFT_PRESETS[1]!, name: "Early" }]);
    expect(r.error!.issues[0]).toMatchObject({ path: [1, "name"], message: 'You already have a shift called "Early"' });
    const d = shiftTemplates.safeParse([SHIFT_PRESETS[0], { ...SHIFT_PRESETS[1]!, id: "early" }]);
    expect(d.error!.issues[0]!.path).toEqual([1, "id"]);
  });
  it("refuses a shift ending before it starts, unless it ends the next day", () => {
    const late = { id: "late", name: "late", parts: [{ start: "14:00", end: "13:00" }] };
    const r = shiftTemplates.safeParse([late]);
    expect(r.error!.issues[0]).toMatchObject({ path: [0, "parts", 0, "end"] });
    expect(r.error!.issues[0]!.message).toContain(
      'ends at 13:00, before it starts at 14:00; for a shift across midnight choose "ends next day"',
    );
    expect(
      shiftTemplates.safeParse([{ ...late, parts: [{ start: "22:00", end: "07:00", endsNextDay: true }] }]).success,
    ).toBe(true);
  });
});

describe("slot and offer inputs, feed tokens", () => {
  it("accept ids and refuse anything else", () => {
    expect(rotaSlotAction.safeParse({ slotId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90" }).success).toBe(true);
    expect(rotaSlotAction.safeParse({ slotId: "1; drop table" }).error!.issues[0]!.message).toBe(
      "That slot could not be found",
    );
    expect(rotaOfferAction.safeParse({}).success).toBe(false);
    expect(isFeedToken("a".repeat(43))).toBe(true);
    expect(isFeedToken("a".repeat(42))).toBe(false);
    expect(isFeedToken("../../etc/passwd")).toBe(false);
  });
});

describe("volunteerCalendar", () => {
  it("lists slots and facilitated sessions at London wall-clock times, across midnight, with a VTIMEZONE", () => {
    const text = volunteerCalendar({
      name: "Dev's Offshift rota",
      timeZone: "Europe/London",
      origin: "https://offshift.example",
      slots: [
        {
          slotId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90",
          name: "Talk line late",
          // 21:30 BST on 24 Oct 2026 (the night before the clock change) to 00:30.
          startsAt: new Date("2026-10-24T20:30:00Z"),
          endsAt: new Date("2026-10-24T23:30:00Z"),
          updatedAt: new Date("2026-10-01T00:00:00Z"),
        },
      ],
      sessions: [
        {
          occurrenceId: "4f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90",
          title: "After a death",
          theme: "After a death",
          description: "A gentle space.",
          startsAt: new Date("2026-10-27T21:30:00Z"),
          endsAt: new Date("2026-10-27T22:45:00Z"),
          cancelled: true,
          updatedAt: new Date("2026-10-01T00:00:00Z"),
        },
      ],
    });
    expect(text).toContain("BEGIN:VTIMEZONE");
    expect(text).toContain("DTSTART;TZID=Europe/London:20261024T213000");
    expect(text).toContain("DTEND;TZID=Europe/London:20261025T003000");
    const comp = new ICAL.Component(ICAL.parse(text));
    ICAL.TimezoneService.register(comp.getFirstSubcomponent("vtimezone")!);
    const events = comp.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.summary)).toEqual([
      "Talk line late (Offshift rota)",
      "Facilitating: After a death (Offshift)",
    ]);
    expect(events[0]!.startDate.toJSDate().toISOString()).toBe("2026-10-24T20:30:00.000Z");
    expect(events[1]!.component.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(events[1]!.startDate.toJSDate().toISOString()).toBe("2026-10-27T21:30:00.000Z");
  });
});
