import { describe, expect, it } from "vitest";
import { monthOf, publishedQuarters, quarterLabel, quarterPublishesAt } from "./calendar.js";
import { checkThemeLabel, checkThemeTicks, themeLabelSchema, themeTicksSchema } from "./themes.js";
import { findContactDetail, workerWordSchema, WORD_MAX } from "./word.js";

const LONDON = "Europe/London";
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe("theme list rules", () => {
  const list = [
    { id: id(1), label: "Pay", active: true },
    { id: id(2), label: "Training", active: false },
  ];
  it("a theme cannot be added twice, whatever its case or spacing", () => {
    expect(checkThemeLabel("  pay ", list)).toMatchObject({ ok: false, code: "duplicate_theme" });
    expect(checkThemeLabel("TRAINING", list)).toMatchObject({ message: expect.stringMatching(/retired/) });
    expect(checkThemeLabel("Pay", list, id(1))).toEqual({ ok: true });
    expect(checkThemeLabel("Night shifts", list)).toEqual({ ok: true });
  });
  it("names are trimmed and kept between 3 and 60 characters", () => {
    expect(themeLabelSchema.parse("  Lone   working ")).toBe("Lone working");
    expect(themeLabelSchema.safeParse("ab").success).toBe(false);
    expect(themeLabelSchema.safeParse("x".repeat(61)).success).toBe(false);
  });
  it("one tick per theme; unknown or retired themes are refused", () => {
    expect(themeTicksSchema.parse([id(1), id(1)])).toEqual([id(1)]);
    expect(themeTicksSchema.safeParse(["pay"]).success).toBe(false);
    expect(checkThemeTicks([id(1)], list)).toEqual({ ok: true });
    expect(checkThemeTicks([id(2)], list)).toMatchObject({ ok: false, code: "unknown_theme" });
    expect(checkThemeTicks([id(3)], list)).toMatchObject({ ok: false, code: "unknown_theme" });
  });
});

describe("the worker's word", () => {
  it("refuses email addresses and phone numbers kindly, and nothing else that looks like numbers", () => {
    expect(findContactDetail("email me at sam.k@example.co.uk please")).toBe("email");
    expect(findContactDetail("ring 07700 900123")).toBe("phone");
    expect(findContactDetail("+44 (0)20 7946 0000")).toBe("phone");
    expect(findContactDetail("paid £10.42 for 15 minutes between 2 calls, 30 miles a day")).toBeNull();
    const r = workerWordSchema.safeParse("call me on 07700900123");
    expect(r.error!.issues[0]!.message).toMatch(/leave out phone numbers.*without your name/);
  });
  it("is trimmed, not empty, and at most the limit", () => {
    expect(workerWordSchema.parse("  Paid   travel time  ")).toBe("Paid travel time");
    expect(workerWordSchema.safeParse("   ").success).toBe(false);
    expect(workerWordSchema.safeParse("a".repeat(WORD_MAX + 1)).error!.issues[0]!.message).toMatch(/280/);
  });
});

describe("voice calendar", () => {
  it("months are the organisation's: 23:30 on 31 October UTC is still October in London only in winter", () => {
    expect(monthOf(new Date("2026-10-31T23:30:00Z"), LONDON)).toBe("2026-10");
    expect(monthOf(new Date("2026-09-30T23:30:00Z"), LONDON)).toBe("2026-10");
  });
  it("a quarter is published three days after it ends, and only closed quarters are", () => {
    expect(quarterPublishesAt("2026-Q3", LONDON).toISOString()).toBe("2026-10-03T23:00:00.000Z");
    expect(publishedQuarters(new Date("2026-10-03T22:59:00Z"), LONDON, "2026-01")).toEqual(["2026-Q2", "2026-Q1"]);
    expect(publishedQuarters(new Date("2026-10-04T00:00:00Z"), LONDON, "2026-01")[0]).toBe("2026-Q3");
    expect(publishedQuarters(new Date("2026-10-04T00:00:00Z"), LONDON, "2026-08")).toEqual(["2026-Q3"]);
    expect(quarterLabel("2026-Q4")).toBe("October to December 2026");
  });
});
