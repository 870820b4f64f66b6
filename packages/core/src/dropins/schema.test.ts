import { describe, expect, it } from "vitest";
import { moveOccurrenceInput, reassignOccurrenceInput, reminderInput } from "./schema.js";

const ID = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e";

describe("reminder input", () => {
  it("accepts a session id and one of the two scopes", () => {
    expect(reminderInput.parse({ occurrenceId: ID, scope: "occurrence" })).toEqual({
      occurrenceId: ID,
      scope: "occurrence",
    });
    expect(reminderInput.parse({ occurrenceId: ID, scope: "series" }).scope).toBe("series");
  });

  it("refuses a missing or malformed session id with a plain message", () => {
    for (const occurrenceId of [undefined, "", "not-an-id", `${ID}x`, "../../etc/passwd"]) {
      const r = reminderInput.safeParse({ occurrenceId, scope: "occurrence" });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toBe("That session could not be found");
    }
  });

  it("refuses an unknown or missing scope", () => {
    for (const scope of [undefined, "", "all", "SERIES", ["series"]]) {
      const r = reminderInput.safeParse({ occurrenceId: ID, scope });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toBe("Choose this session or every session in the series");
    }
  });

  it("keeps only the known fields", () => {
    const r = reminderInput.parse({ occurrenceId: ID, scope: "series", personId: "someone-else", leadMinutes: 1 });
    expect(Object.keys(r).sort()).toEqual(["occurrenceId", "scope"]);
  });
});

describe("moving or handing over one session", () => {
  it("accepts a session id with a local date-time, or with a facilitator id", () => {
    expect(moveOccurrenceInput.parse({ occurrenceId: ID, startsAt: "2026-12-01T21:30" }).startsAt).toBe(
      "2026-12-01T21:30",
    );
    expect(reassignOccurrenceInput.parse({ occurrenceId: ID, facilitatorId: ID }).facilitatorId).toBe(ID);
  });

  it("refuses bad ids and times with a clear message", () => {
    const message = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues[0]?.message;
    expect(message(moveOccurrenceInput.safeParse({ occurrenceId: "x", startsAt: "2026-12-01T21:30" }))).toBe(
      "That session could not be found",
    );
    for (const startsAt of ["", "tomorrow", "2026-12-01 21:30", "2026-12-01T24:00", "2026-12-01T21:30:00Z"])
      expect(message(moveOccurrenceInput.safeParse({ occurrenceId: ID, startsAt }))).toBe("Choose a new date and time");
    expect(message(reassignOccurrenceInput.safeParse({ occurrenceId: ID, facilitatorId: "<b>" }))).toBe(
      "Choose a facilitator",
    );
  });
});
