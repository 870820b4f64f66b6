import { describe, expect, it } from "vitest";
import { refuse } from "@offshift/core";
import { failWith, statusOf } from "./refusals.js";

describe("refusals: one mapper from a use case's refusal to a status", () => {
  it("maps each kind of refusal through core's httpStatusFor", () => {
    expect(statusOf(refuse("not_found", "x"))).toBe(404);
    expect(statusOf(refuse("forbidden", "x"))).toBe(403);
    expect(statusOf(refuse("own_account", "x"))).toBe(403);
    expect(statusOf(refuse("in_the_past", "x"))).toBe(400);
    expect(statusOf(refuse("too_far_ahead", "x"))).toBe(400);
    expect(statusOf(refuse("not_a_facilitator", "x"))).toBe(400);
  });

  it("treats every other refusal as a conflict with the current state", () => {
    for (const code of ["already_cancelled", "ended", "cancelled", "clash", "too_early", "not_allowed_in_this_state"])
      expect(statusOf(refuse(code, "x"))).toBe(409);
  });

  it("gives a form the refusal's own words and the caller's data", () => {
    const failed = failWith(refuse("ended", "That session has already finished."), { occurrenceId: "o1" });
    expect(failed.status).toBe(409);
    expect(failed.data).toEqual({ occurrenceId: "o1", error: "That session has already finished." });
  });
});
