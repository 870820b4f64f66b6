import { DomainError } from "../errors.js";
import { floatingFromWall } from "./floating.js";
import { checkRule, expandFloating } from "./recurrence.js";
import { parseFloating } from "./zoned.js";

/**
 * RFC 5545 recurrence sets (DTSTART, RRULE, RDATE, EXDATE) in floating local
 * time: how a volunteer's work pattern is stored (rota/pattern.ts). Each
 * RRULE goes through the recurrence kernel, so its checks and wording are the
 * kernel's.
 */

/** A parsed recurrence set in floating time (no TZID, no "Z"). */
export interface FloatingRuleSet {
  dtstart: number;
  rrules: string[];
  rdates: number[];
  exdates: number[];
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/;

/** "20260105T070000" as a floating reading, or null. */
export function parseStamp(stamp: string): number | null {
  const m = STAMP.exec(stamp.trim());
  if (!m) return null;
  const w = parseFloating(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`);
  return w ? floatingFromWall(w) : null;
}

export const formatStamp = (floating: number): string =>
  new Date(floating).toISOString().slice(0, 19).replace(/[-:]/g, "");

const setCache = new Map<string, FloatingRuleSet>();

/**
 * Parse "DTSTART:20260105T070000\nRRULE:...\nRDATE:...\nEXDATE:..." (floating
 * local times in the organisation's zone). Throws DomainError("INVALID").
 */
export function parseRuleSet(text: string): FloatingRuleSet {
  const hit = setCache.get(text);
  if (hit) return hit;
  let dtstart: number | null = null;
  const rrules: string[] = [];
  const rdates: number[] = [];
  const exdates: number[] = [];
  const stamps = (value: string, line: string) =>
    value.split(",").map((s) => {
      const t = parseStamp(s);
      if (t === null) throw new DomainError("INVALID", `"${line}" needs local times like 20260105T070000`);
      return t;
    });
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = (colon < 0 ? line : line.slice(0, colon)).toUpperCase();
    const value = colon < 0 ? "" : line.slice(colon + 1);
    if (name.includes(";"))
      throw new DomainError("INVALID", `"${line}": times are local to the organisation's zone; no TZID or VALUE`);
    if (name === "DTSTART") {
      dtstart = stamps(value, line)[0] ?? null;
    } else if (name === "RRULE") {
      checkRule(value);
      rrules.push(value);
    } else if (name === "RDATE") rdates.push(...stamps(value, line));
    else if (name === "EXDATE") exdates.push(...stamps(value, line));
    else throw new DomainError("INVALID", `"${line}" is not part of a recurrence set`);
  }
  if (dtstart === null) throw new DomainError("INVALID", "A recurrence set needs a DTSTART line");
  const out = { dtstart, rrules, rdates, exdates };
  if (setCache.size > 20_000) setCache.clear();
  setCache.set(text, out);
  return out;
}

/**
 * Occurrences of a recurrence set in [from, to] (floating, inclusive),
 * ascending, without duplicates. DTSTART counts as an occurrence only when a
 * rule produces it or there is no rule (as rrule.js does).
 */
export function expandRuleSet(set: FloatingRuleSet, from: number, to: number): number[] {
  const found = new Set<number>();
  for (const rule of set.rrules) for (const t of expandFloating(rule, set.dtstart, from, to)) found.add(t);
  const singles = set.rrules.length ? set.rdates : [set.dtstart, ...set.rdates];
  for (const t of singles) if (t >= from && t <= to) found.add(t);
  for (const t of set.exdates) found.delete(t);
  return [...found].sort((a, b) => a - b);
}
