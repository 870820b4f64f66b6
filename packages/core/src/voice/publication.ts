import { z } from "zod";
import { quarterMonths, type MonthKey } from "./calendar.js";

/**
 * What may be published about the themes raised in sessions, so that a reader
 * of any figure can never tell who attended, who said what, or which agency
 * they work for (agencies are never recorded at all).
 *
 * The rule, per theme and quarter:
 * - a figure is published only when it counts at least k sessions run by at
 *   least m different facilitators (the threshold);
 * - the quarter's figure is split two ways, by month and by English region
 *   (regions only where someone chose to give one; the rest are "Region not
 *   given"). Each split adds up to the quarter's figure, so a single hidden
 *   part could be worked out by subtraction. Parts that miss the threshold are
 *   therefore merged into one "together" group, and while that group still
 *   misses it, the smallest published part joins it. Every published figure
 *   then meets the threshold, and hidden parts are only ever published as a
 *   sum of at least two, which is never zero (complementary suppression);
 * - when the quarter itself misses the threshold nothing about that theme is
 *   published for the quarter.
 */

export const ENGLISH_REGIONS = [
  { code: "NE", name: "North East" },
  { code: "NW", name: "North West" },
  { code: "YH", name: "Yorkshire and the Humber" },
  { code: "EM", name: "East Midlands" },
  { code: "WM", name: "West Midlands" },
  { code: "EE", name: "East of England" },
  { code: "LDN", name: "London" },
  { code: "SE", name: "South East" },
  { code: "SW", name: "South West" },
] as const;
export type RegionCode = (typeof ENGLISH_REGIONS)[number]["code"];
export const REGION_CODES = ENGLISH_REGIONS.map((r) => r.code) as [RegionCode, ...RegionCode[]];
/** The part of a split for sessions where nobody chose to give a region. */
export const NO_REGION = "none";
export const NO_REGION_LABEL = "Region not given";

export const regionSchema = z
  .union([z.literal(""), z.enum(REGION_CODES, { error: "Choose an English region from the list, or none." })])
  .transform((r) => (r === "" ? null : r));

export const regionName = (code: string) =>
  code === NO_REGION ? NO_REGION_LABEL : (ENGLISH_REGIONS.find((r) => r.code === code)?.name ?? code);

export interface Thresholds {
  /** k: fewest sessions a published figure may count. */
  minSessions: number;
  /** m: fewest different facilitators those sessions must have been run by. */
  minFacilitators: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minSessions: 10, minFacilitators: 3 };

const thresholdNumber = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a whole number.` })
    .int(`${name} must be a whole number.`)
    .min(2, `${name} must be at least 2: a figure about one session or one facilitator could point to someone.`)
    .max(1000, `${name} can be at most 1000.`);

export const thresholdsSchema = z.object({
  minSessions: thresholdNumber("The least number of sessions"),
  minFacilitators: thresholdNumber("The least number of facilitators"),
});

/** One session whose facilitator or volunteer ticked themes afterwards. */
export interface SessionThemes {
  month: MonthKey | string;
  /** Only when the worker(s) chose to give one. */
  region: RegionCode | null;
  /** Stands for the person who ran it: an id that erasure re-keys but never removes. */
  facilitatorKey: string;
  themeIds: readonly string[];
}

export interface Cell {
  sessions: number;
  facilitators: number;
}

/** A published figure: `parts` names what it counts (one month, one region, or several together). */
export interface Figure {
  parts: string[];
  sessions: number;
}

export interface Split {
  /** Every part of the split in order (months, or the nine regions then "none"). */
  parts: string[];
  /** Published figures, in the order of their first part; empty when the quarter is hidden. */
  figures: Figure[];
}

export interface ThemeQuarter {
  themeId: string;
  /** Null: the quarter's figure misses the threshold, so nothing of this theme is shown. */
  total: number | null;
  byMonth: Split;
  byRegion: Split;
}

export interface QuarterPublication {
  quarter: string;
  thresholds: Thresholds;
  /** How many sessions had themes ticked, split like a theme (null when hidden). */
  sessions: ThemeQuarter;
  themes: ThemeQuarter[];
}

interface Acc {
  sessions: number;
  facilitators: Set<string>;
}
const acc = (): Acc => ({ sessions: 0, facilitators: new Set() });
const meets = (a: Acc, t: Thresholds) => a.sessions >= t.minSessions && a.facilitators.size >= t.minFacilitators;
const merge = (xs: Acc[]): Acc => {
  const out = acc();
  for (const x of xs) {
    out.sessions += x.sessions;
    for (const f of x.facilitators) out.facilitators.add(f);
  }
  return out;
};

export const REGION_PARTS: string[] = [...REGION_CODES, NO_REGION];

/** The published figures of one split whose total meets the threshold. */
export function publishSplit(parts: readonly string[], cells: ReadonlyMap<string, Acc>, t: Thresholds): Figure[] {
  const cellOf = (p: string) => cells.get(p) ?? acc();
  const hidden = parts.filter((p) => !meets(cellOf(p), t));
  if (hidden.length === 0) return parts.map((p) => ({ parts: [p], sessions: cellOf(p).sessions }));
  const group = [...hidden];
  // Smallest first, ties by the split's own order, so the result does not depend on input order.
  const shown = parts
    .filter((p) => !hidden.includes(p))
    .sort((a, b) => cellOf(a).sessions - cellOf(b).sessions || parts.indexOf(a) - parts.indexOf(b));
  // A single hidden part could be recovered as total minus the rest: it always joins another.
  while (shown.length > 0 && (group.length < 2 || !meets(merge(group.map(cellOf)), t))) group.push(shown.shift()!);
  const figures: Figure[] = shown.map((p) => ({ parts: [p], sessions: cellOf(p).sessions }));
  const ordered = [...group].sort((a, b) => parts.indexOf(a) - parts.indexOf(b));
  figures.push({ parts: ordered, sessions: merge(group.map(cellOf)).sessions });
  return figures.sort((a, b) => parts.indexOf(a.parts[0]!) - parts.indexOf(b.parts[0]!));
}

function publishOne(
  themeId: string,
  sessions: readonly SessionThemes[],
  months: readonly string[],
  t: Thresholds,
): ThemeQuarter {
  const byMonth = new Map<string, Acc>();
  const byRegion = new Map<string, Acc>();
  const all = acc();
  for (const s of sessions) {
    for (const [map, key] of [
      [byMonth, s.month],
      [byRegion, s.region ?? NO_REGION],
    ] as const) {
      const a = map.get(key) ?? acc();
      a.sessions += 1;
      a.facilitators.add(s.facilitatorKey);
      map.set(key, a);
    }
    all.sessions += 1;
    all.facilitators.add(s.facilitatorKey);
  }
  if (!meets(all, t))
    return {
      themeId,
      total: null,
      byMonth: { parts: [...months], figures: [] },
      byRegion: { parts: REGION_PARTS, figures: [] },
    };
  return {
    themeId,
    total: all.sessions,
    byMonth: { parts: [...months], figures: publishSplit(months, byMonth, t) },
    byRegion: { parts: REGION_PARTS, figures: publishSplit(REGION_PARTS, byRegion, t) },
  };
}

/** Everything that may be published for one quarter, from the sessions with themes ticked in it. */
export function publishQuarter(
  quarter: string,
  facts: readonly SessionThemes[],
  themeIds: readonly string[],
  t: Thresholds,
): QuarterPublication {
  const months = quarterMonths(quarter);
  const inQuarter = facts.filter((f) => (months as readonly string[]).includes(f.month));
  return {
    quarter,
    thresholds: t,
    sessions: publishOne("", inQuarter, months, t),
    themes: themeIds.map((id) =>
      publishOne(
        id,
        inQuarter.filter((f) => f.themeIds.includes(id)),
        months,
        t,
      ),
    ),
  };
}
