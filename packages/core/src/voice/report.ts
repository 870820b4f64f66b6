import { monthLabel, quarterLabel } from "./calendar.js";
import { regionName, type Figure, type QuarterPublication, type Split } from "./publication.js";

/**
 * One shape for everything that shows published Voice figures (the /voice page, the CSV,
 * the PDF): built only from core's publication, so they all say the same numbers.
 */
export interface ReportFigure {
  /** "October 2026", "London", or "North East, London and South West together". */
  label: string;
  sessions: number;
}

export interface ReportTheme {
  themeId: string;
  label: string;
  /** Null: fewer than k sessions or m facilitators this quarter, so nothing is shown. */
  total: number | null;
  byMonth: ReportFigure[];
  byRegion: ReportFigure[];
}

export interface ReportQuarter {
  quarter: string;
  label: string;
  sessions: number | null;
  themes: ReportTheme[];
}

const joinAnd = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`);

function figureLabel(f: Figure, kind: "month" | "region", split: Split): string {
  if (kind === "region" && f.parts.length === split.parts.length) return "All regions together";
  const names = f.parts.map((p) => (kind === "month" ? monthLabel(p) : regionName(p)));
  return f.parts.length === 1 ? names[0]! : `${joinAnd(names)} together`;
}

export function reportQuarter(
  pub: QuarterPublication,
  themes: readonly { id: string; label: string }[],
): ReportQuarter {
  const label = new Map(themes.map((t) => [t.id, t.label]));
  const figures = (split: Split, kind: "month" | "region") =>
    split.figures.map((f) => ({ label: figureLabel(f, kind, split), sessions: f.sessions }));
  return {
    quarter: pub.quarter,
    label: quarterLabel(pub.quarter),
    sessions: pub.sessions.total,
    themes: pub.themes
      .filter((t) => label.has(t.themeId))
      .map((t) => ({
        themeId: t.themeId,
        label: label.get(t.themeId)!,
        total: t.total,
        byMonth: figures(t.byMonth, "month"),
        byRegion: figures(t.byRegion, "region"),
      }))
      // Most raised first; hidden ones last, in list order.
      .sort((a, b) => (b.total ?? -1) - (a.total ?? -1)),
  };
}

export function methodInPlainWords(t: { minSessions: number; minFacilitators: number }): string[] {
  return [
    "After a drop-in or a 1:1 call, the person who ran it may tick the themes that came up, from a list our coordinators keep. Nobody writes anything about a person, and no names are kept.",
    `A number is shown only when it counts at least ${t.minSessions} sessions, run by at least ${t.minFacilitators} different facilitators or volunteers. Smaller numbers are not shown on their own: they are added together with others (for example "October and December together") until the total is big enough, so no hidden number can be worked out by taking one shown number away from another.`,
    "Figures are by quarter, split by month and by English region. A region is counted only when workers chose to say where they work; employers and agencies are never recorded. A quarter is published a few days after it ends and does not change afterwards.",
    "Statements are our coordinators' own words, summarising what workers told us anonymously. They are never a worker's own words, and can be withdrawn.",
  ];
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // Quote always; double inner quotes; a leading =+-@ would be read as a formula by spreadsheets.
  return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
};

/** The CSV download: one row per published figure, hidden ones stated as such. */
export function reportCsv(
  quarters: readonly ReportQuarter[],
  t: { minSessions: number; minFacilitators: number },
): string {
  const hidden = `fewer than ${t.minSessions} sessions or ${t.minFacilitators} facilitators`;
  const rows: (string | number)[][] = [["quarter", "theme", "split", "part", "sessions"]];
  for (const q of quarters) {
    rows.push([q.quarter, "All sessions with themes recorded", "quarter", "England", q.sessions ?? hidden]);
    for (const theme of q.themes) {
      rows.push([q.quarter, theme.label, "quarter", "England", theme.total ?? hidden]);
      for (const f of theme.byMonth) rows.push([q.quarter, theme.label, "month", f.label, f.sessions]);
      for (const f of theme.byRegion) rows.push([q.quarter, theme.label, "region", f.label, f.sessions]);
    }
  }
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
