import { describe, expect, it } from "vitest";
import { facilitatorsOf } from "./runners.js";

describe("facilitatorsOf: who runs a drop-in", () => {
  it("is the lead, the backup and whoever the occurrence was given to, once each", () => {
    expect(facilitatorsOf({ facilitatorId: "c", series: { facilitatorId: "a", backupFacilitatorId: "b" } })).toEqual([
      "c",
      "a",
      "b",
    ]);
    expect(facilitatorsOf({ facilitatorId: "a", series: { facilitatorId: "a", backupFacilitatorId: null } })).toEqual([
      "a",
    ]);
  });

  it("is the series' facilitators for a whole series (no occurrence of its own)", () => {
    expect(facilitatorsOf({ series: { facilitatorId: "a", backupFacilitatorId: null } })).toEqual(["a"]);
    expect(facilitatorsOf({ facilitatorId: null, series: { facilitatorId: "a", backupFacilitatorId: "b" } })).toEqual([
      "a",
      "b",
    ]);
  });
});
