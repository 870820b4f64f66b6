import { describe, expect, it } from "vitest";
import { statementsAtom } from "./feed.js";
import { publishQuarter } from "./publication.js";
import { reportCsv, reportQuarter } from "./report.js";

const t = { minSessions: 3, minFacilitators: 2 };
const s = (month: string, f: string, region: "LDN" | null = null) => ({
  month,
  region,
  facilitatorKey: f,
  themeIds: ["pay"],
});

describe("voice report shapes", () => {
  it("labels merged parts in plain words, and the CSV says the same numbers, hidden ones as such", () => {
    const facts = [...[1, 2, 3, 4].map((i) => s("2026-10", `f${i % 2}`, "LDN")), s("2026-12", "f1")];
    const q = reportQuarter(publishQuarter("2026-Q4", facts, ["pay", "bereavement"], t), [
      { id: "pay", label: "Pay" },
      { id: "bereavement", label: "Bereavement" },
    ]);
    expect(q.label).toBe("October to December 2026");
    const pay = q.themes[0]!;
    expect(pay).toMatchObject({ label: "Pay", total: 5 });
    expect(pay.byMonth).toEqual([{ label: "October 2026, November 2026 and December 2026 together", sessions: 5 }]);
    expect(pay.byRegion.map((f) => f.label)).toContain("All regions together");
    expect(q.themes[1]).toMatchObject({ label: "Bereavement", total: null });
    const csv = reportCsv([q], t);
    expect(csv.split("\r\n")[0]).toBe('"quarter","theme","split","part","sessions"');
    expect(csv).toContain('"2026-Q4","Pay","quarter","England","5"');
    expect(csv).toContain('"2026-Q4","Bereavement","quarter","England","fewer than 3 sessions or 2 facilitators"');
  });

  it("a theme name cannot become a spreadsheet formula or break the CSV", () => {
    const q = reportQuarter(publishQuarter("2026-Q4", [], ["x"], t), [{ id: "x", label: '=HYPERLINK("a")' }]);
    expect(reportCsv([q], t)).toContain(`"'=HYPERLINK(""a"")"`);
  });

  it("the Atom feed escapes statements and lists them with when they were published", () => {
    const xml = statementsAtom({
      origin: "https://offshift.example/",
      statements: [
        {
          id: "11111111-1111-4111-8111-111111111111",
          text: "Pay <travel> & time",
          month: "2026-11",
          publishedAt: new Date("2026-12-01T10:00:00Z"),
        },
      ],
    });
    expect(xml).toContain("<title>Pay &lt;travel&gt; &amp; time</title>");
    expect(xml).toContain("<updated>2026-12-01T10:00:00.000Z</updated>");
    expect(xml).toContain('href="https://offshift.example/voice"');
    expect(xml).toContain("(November 2026)");
  });
});
