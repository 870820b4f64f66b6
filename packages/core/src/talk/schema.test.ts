import { describe, expect, it } from "vitest";
import { TALK_COMMANDS, callAfterInput, parseTalkCommand } from "./schema.js";

describe("talk socket payloads", () => {
  it("accepts known preferences and drops duplicate tags", () => {
    expect(parseTalkCommand("talk:request", { language: "pl", experience: ["nights", "nights"] })).toEqual({
      ok: true,
      command: { name: "talk:request", payload: { language: "pl", experience: ["nights"] } },
    });
    expect(parseTalkCommand("talk:request", undefined)).toMatchObject({ ok: true });
  });

  it.each([
    [{ language: "klingon" }, "Choose a language from the list"],
    [{ experience: ["dogs"] }, "Choose experience from the list"],
    [{ experience: "nights" }, "Choose experience from the list"],
    [{ gender: "f" }, "We don't know that preference"],
    ["pl", "We don't know that preference"],
  ])("refuses unknown preferences %j with a clear message", (payload, message) => {
    expect(parseTalkCommand("talk:request", payload)).toEqual({ ok: false, error: { code: "invalid", message } });
  });

  it("refuses unknown events and malformed ids", () => {
    expect(parseTalkCommand("talk:hack", {})).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(parseTalkCommand("talk:accept", { offerId: "1; drop table" })).toEqual({
      ok: false,
      error: { code: "invalid", message: "That offer could not be found" },
    });
    for (const name of TALK_COMMANDS) expect(() => parseTalkCommand(name, { x: [1, { y: null }] })).not.toThrow();
  });

  it("after-call form: a category, an optional concern category, a debrief tick; nothing free-text", () => {
    expect(callAfterInput.parse({ outcome: "listened-and-supported", safeguarding: "", debrief: "on" })).toEqual({
      outcome: "listened-and-supported",
      safeguarding: undefined,
      debrief: true,
    });
    expect(callAfterInput.safeParse({ outcome: "they were sad", debrief: false }).success).toBe(false);
    expect(callAfterInput.safeParse({ outcome: "other", safeguarding: "gossip" }).success).toBe(false);
  });
});
