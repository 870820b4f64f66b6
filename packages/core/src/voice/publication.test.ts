import { describe, expect, it } from "vitest";
import { NO_REGION, publishQuarter, thresholdsSchema, type SessionThemes } from "./publication.js";

const t = { minSessions: 3, minFacilitators: 2 };
const s = (month: string, facilitatorKey: string, region: SessionThemes["region"] = null): SessionThemes => ({
  month,
  region,
  facilitatorKey,
  themeIds: ["pay"],
});
const many = (n: number, month: string, region: SessionThemes["region"] = null) =>
  Array.from({ length: n }, (_, i) => s(month, `f${i % 3}`, region));

describe("voice publication rule", () => {
  it("publishes every month alone when each meets the threshold", () => {
    const pub = publishQuarter(
      "2026-Q4",
      [...many(3, "2026-10"), ...many(4, "2026-11"), ...many(5, "2026-12")],
      ["pay"],
      t,
    );
    expect(pub.themes[0]!.total).toBe(12);
    expect(pub.themes[0]!.byMonth.figures).toEqual([
      { parts: ["2026-10"], sessions: 3 },
      { parts: ["2026-11"], sessions: 4 },
      { parts: ["2026-12"], sessions: 5 },
    ]);
  });

  it("a month below the threshold is merged with the smallest other month, never left to be subtracted out", () => {
    const pub = publishQuarter(
      "2026-Q4",
      [...many(4, "2026-10"), ...many(6, "2026-11"), s("2026-12", "f1")],
      ["pay"],
      t,
    );
    expect(pub.themes[0]!.byMonth.figures).toEqual([
      { parts: ["2026-10", "2026-12"], sessions: 5 },
      { parts: ["2026-11"], sessions: 6 },
    ]);
  });

  it("enough sessions but all run by one facilitator is not enough", () => {
    const one = Array.from({ length: 20 }, () => s("2026-10", "f1"));
    expect(publishQuarter("2026-Q4", one, ["pay"], t).themes[0]!.total).toBeNull();
  });

  it("regions nobody gave are a part of their own, and all-zero regions are never shown as zero", () => {
    const pub = publishQuarter("2026-Q4", [...many(6, "2026-10", "LDN"), ...many(7, "2026-11")], ["pay"], t);
    const figures = pub.themes[0]!.byRegion.figures;
    expect(figures.find((f) => f.parts.length === 1 && f.parts[0] === NO_REGION)).toEqual({
      parts: [NO_REGION],
      sessions: 7,
    });
    // London (6) goes in with the eight empty regions: otherwise "the rest" would be known to be 0.
    expect(figures.find((f) => f.parts.includes("NE"))).toMatchObject({ sessions: 6 });
    expect(figures.find((f) => f.parts.includes("NE"))!.parts).toContain("LDN");
  });

  it("sessions outside the quarter do not count", () => {
    expect(publishQuarter("2026-Q4", many(9, "2027-01"), ["pay"], t).themes[0]!.total).toBeNull();
  });

  it("thresholds below 2 are refused with the reason", () => {
    const r = thresholdsSchema.safeParse({ minSessions: 1, minFacilitators: 3 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/at least 2/);
    expect(thresholdsSchema.safeParse({ minSessions: "10", minFacilitators: "3" }).data).toEqual({
      minSessions: 10,
      minFacilitators: 3,
    });
    expect(thresholdsSchema.safeParse({ minSessions: 10, minFacilitators: 1.5 }).success).toBe(false);
  });
});
