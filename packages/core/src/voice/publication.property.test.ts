import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quarterMonths } from "./calendar.js";
import {
  NO_REGION,
  REGION_CODES,
  publishQuarter,
  type Figure,
  type SessionThemes,
  type Split,
  type Thresholds,
} from "./publication.js";

const QUARTER = "2026-Q4";
const MONTHS = quarterMonths(QUARTER);
const THEMES = ["t-pay", "t-travel", "t-night"];

const session = fc.record({
  // Mostly in the quarter, sometimes just outside it (must never count).
  month: fc.constantFrom(...MONTHS, "2026-09", "2027-01"),
  region: fc.option(fc.constantFrom(...REGION_CODES), { nil: null }),
  facilitatorKey: fc.constantFrom("f1", "f2", "f3", "f4", "f5", "f6"),
  themeIds: fc.subarray(THEMES),
});
// Skewed sizes so that cells land on both sides of the threshold.
const sessions = fc.array(session, { maxLength: 120 });
const thresholds = fc.record({
  minSessions: fc.integer({ min: 2, max: 15 }),
  minFacilitators: fc.integer({ min: 2, max: 4 }),
});

type Dim = "month" | "region";
const partOf = (s: SessionThemes, dim: Dim) => (dim === "month" ? s.month : (s.region ?? NO_REGION));

/** The true sessions and facilitators behind a figure, counted afresh from the raw data. */
function truth(rows: readonly SessionThemes[], dim: Dim, parts: readonly string[]) {
  const hit = rows.filter((s) => parts.includes(partOf(s, dim)));
  return { sessions: hit.length, facilitators: new Set(hit.map((s) => s.facilitatorKey)).size };
}

/**
 * An attacker with every published figure of one split, and the quarter's total:
 * subtracts any published (or already derived) figure from any that contains it,
 * as often as they like. Returns the sets of parts whose sum they learn.
 */
function attackerLearns(split: Split, total: number | null): Map<string, number> {
  const known = new Map<string, number>();
  const key = (parts: readonly string[]) => [...parts].sort().join("|");
  if (total !== null) known.set(key(split.parts), total);
  for (const f of split.figures) known.set(key(f.parts), f.sessions);
  for (let changed = true; changed;) {
    changed = false;
    for (const [a, va] of [...known]) {
      for (const [b, vb] of [...known]) {
        const as = a.split("|");
        const bs = new Set(b.split("|"));
        if (a === b || ![...bs].every((p) => as.includes(p))) continue;
        const rest = key(as.filter((p) => !bs.has(p)));
        if (!known.has(rest)) {
          known.set(rest, va - vb);
          changed = true;
        }
      }
    }
  }
  return known;
}

const shownAlone = (figures: readonly Figure[]) =>
  new Set(figures.filter((f) => f.parts.length === 1).map((f) => f.parts[0]!));

function* everySplit(pub: ReturnType<typeof publishQuarter>, facts: readonly SessionThemes[]) {
  const inQuarter = facts.filter((f) => (MONTHS as readonly string[]).includes(f.month));
  for (const row of [pub.sessions, ...pub.themes]) {
    const rows = row.themeId === "" ? inQuarter : inQuarter.filter((s) => s.themeIds.includes(row.themeId));
    yield { row, rows, dim: "month" as Dim, split: row.byMonth };
    yield { row, rows, dim: "region" as Dim, split: row.byRegion };
  }
}

describe("voice publication: properties over random attendance and theme data", () => {
  it("no published figure is below its threshold (k sessions, m facilitators), and each says the true count", () => {
    fc.assert(
      fc.property(sessions, thresholds, (facts, t: Thresholds) => {
        const pub = publishQuarter(QUARTER, facts, THEMES, t);
        for (const { row, rows, dim, split } of everySplit(pub, facts)) {
          if (row.total !== null) {
            const all = truth(rows, dim, split.parts);
            expect(row.total).toBe(all.sessions);
            expect(all.sessions).toBeGreaterThanOrEqual(t.minSessions);
            expect(all.facilitators).toBeGreaterThanOrEqual(t.minFacilitators);
          }
          for (const f of split.figures) {
            const real = truth(rows, dim, f.parts);
            expect(f.sessions).toBe(real.sessions);
            expect(real.sessions).toBeGreaterThanOrEqual(t.minSessions);
            expect(real.facilitators).toBeGreaterThanOrEqual(t.minFacilitators);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("no pair of published figures (a month and the quarter, a region and England) recovers a hidden count by subtraction", () => {
    fc.assert(
      fc.property(sessions, thresholds, (facts, t: Thresholds) => {
        const pub = publishQuarter(QUARTER, facts, THEMES, t);
        for (const { row, split } of everySplit(pub, facts)) {
          const alone = shownAlone(split.figures);
          for (const [parts, value] of attackerLearns(split, row.total)) {
            const names = parts.split("|").filter(Boolean);
            const hidden = names.filter((p) => !alone.has(p));
            if (hidden.length === 0) continue;
            // Learning one hidden part exactly, or that a group of hidden parts is all zero, is a leak.
            expect(names.length, `recovered ${parts} = ${value}`).toBeGreaterThan(1);
            expect(value, `recovered that ${parts} are all zero`).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a published split covers every part exactly once, so the figures add up to the quarter", () => {
    fc.assert(
      fc.property(sessions, thresholds, (facts, t: Thresholds) => {
        const pub = publishQuarter(QUARTER, facts, THEMES, t);
        for (const { row, split } of everySplit(pub, facts)) {
          if (row.total === null) {
            expect(split.figures).toEqual([]);
            continue;
          }
          expect(split.figures.flatMap((f) => f.parts).sort()).toEqual([...split.parts].sort());
          expect(split.figures.reduce((n, f) => n + f.sessions, 0)).toBe(row.total);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the same data in any order publishes the same figures", () => {
    fc.assert(
      fc.property(sessions, thresholds, fc.integer(), (facts, t: Thresholds, seed) => {
        const shuffled = [...facts].sort(
          (a, b) => ((facts.indexOf(a) * 7919 + seed) % 101) - ((facts.indexOf(b) * 7919 + seed) % 101),
        );
        expect(publishQuarter(QUARTER, shuffled, THEMES, t)).toEqual(publishQuarter(QUARTER, facts, THEMES, t));
      }),
      { numRuns: 100 },
    );
  });
});
