import { describe, expect, it } from "vitest";
import { DROPIN_REMINDER_REFUSALS } from "@offshift/db";
import { reminderOutcome } from "./reminders.js";

describe("reminderOutcome: what the reminder control says after the redirect back (?reminder=…)", () => {
  it("confirms each success in its own words", () => {
    expect(reminderOutcome("set-occurrence")).toEqual({
      text: "Done. We'll email you 30 minutes before this session.",
      ok: true,
    });
    expect(reminderOutcome("set-series")).toEqual({
      text: "Done. We'll email you 30 minutes before every session in this series.",
      ok: true,
    });
    expect(reminderOutcome("cleared-occurrence")).toEqual({ text: "Reminder stopped for this session.", ok: true });
    expect(reminderOutcome("cleared-series")).toEqual({ text: "Reminders stopped for this series.", ok: true });
  });

  it("shows a refusal in the use case's own words, as an error", () => {
    expect(reminderOutcome("ended")).toEqual({
      text: "This session has finished, so there is nothing to remind you about.",
      ok: false,
    });
    for (const [code, text] of Object.entries(DROPIN_REMINDER_REFUSALS))
      expect(reminderOutcome(code)).toEqual({ text, ok: false });
    expect(reminderOutcome("invalid")).toEqual({
      text: "Something went wrong with that request. Please try again.",
      ok: false,
    });
  });

  it("says nothing without an outcome, or for one that is not ours (words never come from the address)", () => {
    expect(reminderOutcome(null)).toBeNull();
    for (const code of ["", "Your account was closed", "toString", "__proto__", "constructor"])
      expect(reminderOutcome(code)).toBeNull();
  });
});
