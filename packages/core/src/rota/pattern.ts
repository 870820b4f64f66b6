import type { z } from "zod";
import { DomainError } from "../errors.js";
import { DAY_MS, dayFromIsoDate, dayNumber, isoDate, weekdayOfDay } from "../time/floating.js";
import { WEEKDAYS } from "../time/recurrence-builder.js";
import { expandRuleSet, formatStamp, parseRuleSet } from "../time/recurrence-set.js";
import {
  minutesOfDay,
  workPatternBuilder,
  type ShiftTemplate,
  type WorkPatternBuilder,
  type WorkPatternRules,
} from "./schema.js";

/**
 * Work patterns: the builder a volunteer fills in, turned into RFC 5545
 * recurrence sets and back. Nobody types RRULE.
 *
 * - Week 1 of a rotation is the Monday-to-Sunday week holding cycleStartsOn.
 * - Each (shift, week of the rotation) becomes one set:
 *   DTSTART on its first day in that week at the shift's start, and
 *   RRULE:FREQ=WEEKLY;INTERVAL=<rotation>;WKST=MO;BYDAY=...; a two-week
 *   rotation is INTERVAL=2 with weeks counted from Monday (WKST=MO).
 * - "Shift off" is an EXDATE in the set that produces it; "extra shift" is an
 *   RDATE in one set per shift (DTSTART is the first extra).
 * Dates come from the sets; times come from the shift template, so changing a
 * template's times moves every shift of that kind.
 */

const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export interface PatternIssue {
  path: (string | number)[];
  message: string;
}

/** "Tue 3 Mar 2026" */
export const patternDateLabel = (day: number): string => {
  const d = new Date(day * DAY_MS);
  const wd = DAY_NAMES[weekdayOfDay(day)]!.slice(0, 3);
  const month = d.toLocaleString("en-GB", { month: "short", timeZone: "UTC" });
  return `${wd} ${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
};

/** Start and end of each part, in minutes from the start of the shift's day. */
export function shiftPartMinutes(shift: ShiftTemplate): { start: number; end: number }[] {
  return shift.parts.map((p) => ({
    start: minutesOfDay(p.start),
    end: minutesOfDay(p.end) + (p.endsNextDay || minutesOfDay(p.end) <= minutesOfDay(p.start) ? 1440 : 0),
  }));
}

interface Placed {
  day: number;
  shift: ShiftTemplate;
  path: (string | number)[];
}

function firstOverlap(placed: Placed[]): [Placed, Placed, number, number] | null {
  const spans = placed
    .flatMap((p) =>
      shiftPartMinutes(p.shift).map((m) => ({ p, start: p.day * 1440 + m.start, end: p.day * 1440 + m.end })),
    )
    .sort((a, b) => a.start - b.start || a.end - b.end);
  let latest: (typeof spans)[number] | null = null;
  for (const s of spans) {
    if (latest && s.start < latest.end && latest.p !== s.p) return [latest.p, s.p, latest.end, s.start];
    if (!latest || s.end > latest.end) latest = s;
  }
  return null;
}

const clock = (minutes: number) =>
  `${String(Math.floor((((minutes % 1440) + 1440) % 1440) / 60)).padStart(2, "0")}:${String(((minutes % 60) + 60) % 60).padStart(2, "0")}`;

/** Everything wrong with a builder given the volunteer's shift templates (empty when fine). */
export function workPatternIssues(b: WorkPatternBuilder, shifts: readonly ShiftTemplate[]): PatternIssue[] {
  const issues: PatternIssue[] = [];
  const byId = new Map(shifts.map((s) => [s.id, s]));
  const known = shifts.map((s) => s.name).join(", ");
  const unknown = (id: string) =>
    `Unknown shift "${id}"; choose one of your shifts${known ? ` (${known})` : " (add one first)"}`;
  const anchorDay = dayFromIsoDate(b.cycleStartsOn);
  if (anchorDay === null) return [{ path: ["cycleStartsOn"], message: "That date does not exist" }];
  const monday = anchorDay - weekdayOfDay(anchorDay);
  const untilDay = b.until === undefined ? null : dayFromIsoDate(b.until);
  if (b.until !== undefined && untilDay === null) issues.push({ path: ["until"], message: "That date does not exist" });
  if (untilDay !== null && untilDay < monday)
    issues.push({ path: ["until"], message: "The pattern ends before its first week" });

  const seen = new Set<string>();
  const cycle: Placed[] = [];
  b.shifts.forEach((s, i) => {
    const shift = byId.get(s.shiftId);
    if (!shift) return issues.push({ path: ["shifts", i, "shiftId"], message: unknown(s.shiftId) });
    if (s.week > b.everyWeeks)
      return issues.push({
        path: ["shifts", i, "week"],
        message: `Week ${s.week} is outside a ${b.everyWeeks}-week rotation`,
      });
    const key = `${s.week}/${s.day}/${s.shiftId}`;
    if (seen.has(key))
      return issues.push({
        path: ["shifts", i],
        message: `The ${shift.name} on ${DAY_NAMES[WEEKDAYS.indexOf(s.day)]} of week ${s.week} is listed twice`,
      });
    seen.add(key);
    cycle.push({ day: (s.week - 1) * 7 + WEEKDAYS.indexOf(s.day), shift, path: ["shifts", i] });
  });
  // Check one rotation and the wrap into the next (a Sunday night runs into Monday).
  const span = b.everyWeeks * 7;
  const wrapped = [...cycle, ...cycle.map((p) => ({ ...p, day: p.day + span }))];
  const clash = firstOverlap(wrapped);
  if (clash) {
    const [a, later, aEnd, laterStart] = clash;
    const where = (p: Placed) =>
      `${DAY_NAMES[p.day % 7]}${b.everyWeeks > 1 ? ` of week ${(((p.day % span) / 7) | 0) + 1}` : ""}`;
    issues.push({
      path: later.path,
      message: `The ${later.shift.name} on ${where(later)} starts at ${clock(laterStart)}, before the ${a.shift.name} on ${where(a)} ends at ${clock(aEnd)}`,
    });
  }

  const patternHas = (day: number, shiftId: string): boolean => {
    if (day < monday || (untilDay !== null && day > untilDay)) return false;
    const week = (Math.floor((day - monday) / 7) % b.everyWeeks) + 1;
    return b.shifts.some(
      (s) => s.shiftId === shiftId && s.week === week && WEEKDAYS.indexOf(s.day) === weekdayOfDay(day),
    );
  };
  const offs = new Set<string>();
  const extras: Placed[] = [];
  const changeKeys = new Set<string>();
  b.changes.forEach((c, i) => {
    const shift = byId.get(c.shiftId);
    if (!shift) return issues.push({ path: ["changes", i, "shiftId"], message: unknown(c.shiftId) });
    const day = dayFromIsoDate(c.date);
    if (day === null) return issues.push({ path: ["changes", i, "date"], message: "That date does not exist" });
    const key = `${c.kind}/${day}/${c.shiftId}`;
    if (changeKeys.has(key)) return issues.push({ path: ["changes", i], message: "This change is listed twice" });
    changeKeys.add(key);
    if (c.kind === "off") {
      if (!patternHas(day, c.shiftId))
        return issues.push({
          path: ["changes", i, "date"],
          message: `There is no ${shift.name} on ${patternDateLabel(day)} to take off`,
        });
      offs.add(`${day}/${c.shiftId}`);
    } else extras.push({ day, shift, path: ["changes", i] });
  });
  // Each extra against the pattern's shifts on the day before, the day and the day after, and other extras.
  for (const extra of extras) {
    const around: Placed[] = [extra, ...extras.filter((e) => e !== extra && Math.abs(e.day - extra.day) <= 1)];
    for (let day = extra.day - 1; day <= extra.day + 1; day++)
      for (const s of shifts)
        if (patternHas(day, s.id) && !offs.has(`${day}/${s.id}`)) around.push({ day, shift: s, path: [] });
    const hit = firstOverlap(around);
    if (hit && (hit[0] === extra || hit[1] === extra)) {
      const other = hit[0] === extra ? hit[1] : hit[0];
      issues.push({
        path: [...extra.path, "date"],
        message: `The extra ${extra.shift.name} on ${patternDateLabel(extra.day)} overlaps your ${other.shift.name} on ${patternDateLabel(other.day)}`,
      });
    }
  }
  return issues;
}

/** The builder schema with the checks that need the volunteer's shift templates. */
export function workPatternSchema(shifts: readonly ShiftTemplate[]) {
  return workPatternBuilder.superRefine((b, ctx) => {
    for (const issue of workPatternIssues(b, shifts)) ctx.addIssue({ code: "custom", ...issue });
  });
}
export type WorkPatternSchema = ReturnType<typeof workPatternSchema>;
export type WorkPatternSchemaInput = z.input<WorkPatternSchema>;

/** Builder to stored recurrence sets. Throws DomainError("INVALID", ..., { issues }) on bad input. */
export function buildWorkPattern(b: WorkPatternBuilder, shifts: readonly ShiftTemplate[]): WorkPatternRules {
  const issues = workPatternIssues(b, shifts);
  if (issues.length) throw new DomainError("INVALID", issues[0]!.message, { issues });
  const byId = new Map(shifts.map((s) => [s.id, s]));
  const anchorDay = dayFromIsoDate(b.cycleStartsOn)!;
  const monday = anchorDay - weekdayOfDay(anchorDay);
  const at = (day: number, shiftId: string) => day * DAY_MS + minutesOfDay(byId.get(shiftId)!.parts[0]!.start) * 60_000;
  const until = b.until ? `;UNTIL=${b.until.replace(/-/g, "")}T235959` : "";

  const groups = new Map<string, { shiftId: string; week: number; days: number[] }>();
  for (const s of b.shifts) {
    const key = `${s.week}/${s.shiftId}`;
    const g = groups.get(key) ?? { shiftId: s.shiftId, week: s.week, days: [] };
    g.days.push(WEEKDAYS.indexOf(s.day));
    groups.set(key, g);
  }
  const sets: WorkPatternRules["sets"] = [];
  for (const g of [...groups.values()].sort((x, y) => x.week - y.week || x.shiftId.localeCompare(y.shiftId))) {
    const days = [...new Set(g.days)].sort((x, y) => x - y);
    const weekMonday = monday + (g.week - 1) * 7;
    const exdates = b.changes
      .filter((c) => c.kind === "off" && c.shiftId === g.shiftId)
      .map((c) => dayFromIsoDate(c.date)!)
      .filter((day) => {
        const week = (Math.floor((day - monday) / 7) % b.everyWeeks) + 1;
        return day >= weekMonday && week === g.week && days.includes(weekdayOfDay(day));
      })
      .sort((x, y) => x - y)
      .map((day) => formatStamp(at(day, g.shiftId)));
    const lines = [
      `DTSTART:${formatStamp(at(weekMonday + days[0]!, g.shiftId))}`,
      `RRULE:FREQ=WEEKLY;INTERVAL=${b.everyWeeks};WKST=MO;BYDAY=${days.map((d) => WEEKDAYS[d]).join(",")}${until}`,
    ];
    if (exdates.length) lines.push(`EXDATE:${exdates.join(",")}`);
    sets.push({ shiftId: g.shiftId, rruleSet: lines.join("\n") });
  }
  const extraIds = [...new Set(b.changes.filter((c) => c.kind === "extra").map((c) => c.shiftId))].sort();
  for (const shiftId of extraIds) {
    const stamps = [
      ...new Set(
        b.changes
          .filter((c) => c.kind === "extra" && c.shiftId === shiftId)
          .map((c) => dayFromIsoDate(c.date)!)
          .sort((x, y) => x - y)
          .map((day) => formatStamp(at(day, shiftId))),
      ),
    ];
    const lines = [`DTSTART:${stamps[0]}`];
    if (stamps.length > 1) lines.push(`RDATE:${stamps.slice(1).join(",")}`);
    sets.push({ shiftId, rruleSet: lines.join("\n") });
  }
  return { cycleStartsOn: isoDate(monday), everyWeeks: b.everyWeeks, sets };
}

const BUILDER_RULE =
  /^FREQ=WEEKLY;INTERVAL=(\d);WKST=MO;BYDAY=((?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*)(?:;UNTIL=(\d{8})T235959)?$/;

/**
 * Stored recurrence sets back to the builder, so the form can show and edit
 * them. Throws DomainError("INVALID") for sets the builder could not have made.
 */
export function builderFromWorkPattern(rules: WorkPatternRules): WorkPatternBuilder {
  const notOurs = (why: string) => new DomainError("INVALID", `This work pattern cannot be shown in the form: ${why}`);
  const monday = dayFromIsoDate(rules.cycleStartsOn);
  if (monday === null || weekdayOfDay(monday) !== 0) throw notOurs("the rotation must start on a Monday");
  const shifts: WorkPatternBuilder["shifts"] = [];
  const changes: WorkPatternBuilder["changes"] = [];
  let until: string | undefined;
  for (const { shiftId, rruleSet } of rules.sets) {
    const set = parseRuleSet(rruleSet);
    if (set.rrules.length === 0) {
      if (set.exdates.length) throw notOurs("extra shifts cannot have exceptions");
      for (const t of [set.dtstart, ...set.rdates])
        changes.push({ kind: "extra", date: isoDate(dayNumber(t)), shiftId });
      continue;
    }
    if (set.rrules.length > 1 || set.rdates.length) throw notOurs("one weekly rule per shift and week");
    const m = BUILDER_RULE.exec(set.rrules[0]!);
    if (!m || Number(m[1]) !== rules.everyWeeks) throw notOurs(`"${set.rrules[0]}" is not a weekly rotation rule`);
    if (m[3]) {
      const u = `${m[3].slice(0, 4)}-${m[3].slice(4, 6)}-${m[3].slice(6, 8)}`;
      if (until !== undefined && until !== u) throw notOurs("the shifts end on different dates");
      until = u;
    }
    const offset = dayNumber(set.dtstart) - monday;
    if (offset < 0 || offset >= rules.everyWeeks * 7) throw notOurs("a shift starts outside the first rotation");
    const week = Math.floor(offset / 7) + 1;
    for (const day of m[2]!.split(",")) shifts.push({ week, day: day as (typeof WEEKDAYS)[number], shiftId });
    for (const t of set.exdates) changes.push({ kind: "off", date: isoDate(dayNumber(t)), shiftId });
  }
  shifts.sort(
    (a, b) =>
      a.week - b.week || WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day) || a.shiftId.localeCompare(b.shiftId),
  );
  changes.sort(
    (a, b) => a.date.localeCompare(b.date) || a.kind.localeCompare(b.kind) || a.shiftId.localeCompare(b.shiftId),
  );
  return {
    cycleStartsOn: rules.cycleStartsOn,
    everyWeeks: rules.everyWeeks,
    shifts,
    ...(until === undefined ? {} : { until }),
    changes,
  };
}

/** The days (day numbers) on which each shift is worked, in [fromDay, toDay]. */
export function shiftDays(rules: WorkPatternRules, fromDay: number, toDay: number): { shiftId: string; day: number }[] {
  const out: { shiftId: string; day: number }[] = [];
  for (const { shiftId, rruleSet } of rules.sets) {
    // Occurrences are matched by date: times come from the shift template.
    for (const t of expandRuleSet(parseRuleSet(rruleSet), fromDay * DAY_MS, toDay * DAY_MS + DAY_MS - 1))
      out.push({ shiftId, day: dayNumber(t) });
  }
  return out;
}
