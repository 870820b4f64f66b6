import { DomainError } from "../errors.js";
import { wallTimeAt } from "../time/zoned.js";
import { clockLabel, DAY_MS, dayNumber, HOUR_MS, MINUTE_MS, weekdayOfDay } from "../time/floating.js";
import { expandInstants } from "../time/recurrence.js";
import { WEEKDAYS } from "../time/recurrence-builder.js";
import { zoneClock, type ZoneClock } from "../time/zone-clock.js";
import { shiftPartMinutes, shiftDays } from "./pattern.js";
import {
  countReasonGroups,
  heldSlotReasons,
  rotaReasons,
  summariseReasons,
  type Eligibility,
  type Reason,
} from "./reasons.js";
import {
  DEFAULT_LIMITS,
  MAX_LATE_NIGHTS_IN_A_ROW,
  MAX_SLOT_MINUTES,
  minutesOfDay,
  rotaInput,
  type RotaAssignment,
  type RotaInput,
  type RotaInputRaw,
  type RotaLimits,
} from "./schema.js";

/**
 * The rota engine: pure and deterministic. prepareRota expands the rota
 * templates into slots and each volunteer's work pattern into work periods
 * over a window; checkEligibility says whether a volunteer may take a slot
 * and why not; autoFill proposes assignments for uncovered slots and lists
 * the gaps it could not fill.
 *
 * Time rules:
 * - Slots start at their rule's wall-clock time (a reading that does not
 *   exist moves forward, one that happens twice means the first) and last
 *   their duration in elapsed time, like drop-in sessions.
 * - Work periods start and end at their wall-clock times, each converted on
 *   its own: a 22:00-07:00 night lasts 8 h on the spring-forward night and
 *   10 h on the fall-back night, because the employer's rota says 07:00.
 * - Buffers, rest and weekly hours are elapsed time. Weeks (Monday to Sunday),
 *   days and preference windows are read on the organisation's clock.
 * - A late night is a slot running between 22:00 and 05:00 local; it belongs
 *   to the night of the evening it started on (a 01:00 slot on Sunday morning
 *   is Saturday night).
 */

/**
 * The furthest from a slot's start that checkEligibility reads the volunteer's
 * other slots. Whoever loads a board to ask about a slot must load the slots
 * held this far either side of it, or two callers get two answers:
 * - weekly limits count the slot's Monday-to-Sunday week on the local clock,
 *   up to 7 days and 1 hour of elapsed time away (the week the clocks go back);
 * - a late-night run reaches MAX_LATE_NIGHTS_IN_A_ROW nights either side, and
 *   a night's slot starts within the 24 hours from noon on its evening (see
 *   slotInfo), so the furthest one starts under that many nights plus a day
 *   away, an hour more across a clock change;
 * - a slot held overlaps this one only if it starts less than the longest
 *   slot before it.
 * Work periods (for the break after work and the rest before it) are not
 * held slots: prepareRota expands them two days beyond its window itself.
 */
export const ELIGIBILITY_REACH_MS = Math.max(
  7 * DAY_MS + HOUR_MS,
  (MAX_LATE_NIGHTS_IN_A_ROW + 1) * DAY_MS + HOUR_MS,
  MAX_SLOT_MINUTES * MINUTE_MS,
);

export interface RotaSlot {
  /** `${templateId}@${start ISO}`: stable across runs and windows. */
  id: string;
  templateId: string;
  name: string;
  kind: "talk-line" | "facilitator-cover";
  start: Date;
  end: Date;
  /** Wall-clock start and end, e.g. "2026-03-28T21:30". */
  localStart: string;
  localEnd: string;
  minVolunteers: number;
  maxVolunteers: number;
  /** Volunteers already assigned, sorted. */
  volunteerIds: readonly string[];
}

export interface ProposedAssignment {
  volunteerId: string;
  templateId: string;
  slotId: string;
  start: Date;
}

export interface RotaGap {
  slotId: string;
  templateId: string;
  name: string;
  start: Date;
  end: Date;
  filled: number;
  needed: number;
  /** Everyone not on the slot, counted by their main reason. */
  reasons: { group: string; count: number }[];
  /** "3 volunteers working nights, 2 at weekly max". */
  summary: string;
}

export interface AutoFillResult {
  proposals: ProposedAssignment[];
  /** Slots still below their minimum after the proposals. */
  gaps: RotaGap[];
}

interface WorkPart {
  start: number;
  end: number;
  /** Start of the shift's first part (differs from start for the second part of a split). */
  shiftStart: number;
  shift: string;
  startLabel: string;
  endLabel: string;
}

interface Window {
  dayMask: number;
  from: number;
  to: number;
}

interface Volunteer {
  id: string;
  limits: RotaLimits;
  windows: Window[];
  /** Work parts sorted by start, with the running maximum of their ends. */
  parts: WorkPart[];
  partStarts: number[];
  maxEndSoFar: number[];
  /** First-part starts of every shift, sorted, with the shift's name. */
  shiftStarts: number[];
  shiftNames: string[];
}

interface SlotInfo {
  slot: RotaSlot;
  start: number;
  end: number;
  minutes: number;
  week: number;
  /** Day number of the late night it belongs to, or null. */
  night: number | null;
  localStart: number;
  localEnd: number;
  clock: string;
}

interface Busy {
  start: number;
  end: number;
  name: string;
  clock: string;
  /** The slot held, or the title of the drop-in run. */
  slotId?: string;
  dropIn?: string;
}

interface Load {
  slotIds: Set<string>;
  busy: Busy[];
  weekSlots: Map<number, number>;
  weekMinutes: Map<number, number>;
  nights: Set<number>;
  windowMinutes: number;
}

export interface RotaBoard {
  readonly timeZone: string;
  readonly from: Date;
  readonly to: Date;
  /** Slots starting in [from, to), by start then template id. */
  readonly slots: readonly RotaSlot[];
  readonly volunteerIds: readonly string[];
  /** @internal */
  readonly state: BoardState;
}

interface BoardState {
  clock: ZoneClock;
  infos: SlotInfo[];
  slotIndex: Map<string, number>;
  volunteers: Volunteer[];
  volunteerIndex: Map<string, number>;
  loads: Load[];
}

const LATE_FROM = 22 * 60;
const LATE_UNTIL = 5 * 60;

const firstIndexAtOrAbove = (sorted: readonly number[], value: number): number => {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (sorted[m]! < value) a = m + 1;
    else b = m;
  }
  return a;
};

const localLabel = (floating: number) => new Date(floating).toISOString().slice(0, 16);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isValidZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
    return true;
  } catch {
    return false;
  }
}

function slotInfo(slot: RotaSlot, clock: ZoneClock): SlotInfo {
  const start = slot.start.getTime();
  const end = slot.end.getTime();
  const localStart = clock.toFloating(start);
  const localEnd = clock.toFloating(end);
  const startDay = dayNumber(localStart);
  const sm = (localStart - startDay * DAY_MS) / MINUTE_MS;
  const minutes = (end - start) / MINUTE_MS;
  const late = sm >= LATE_FROM || sm < LATE_UNTIL || sm + minutes > LATE_FROM;
  return {
    slot,
    start,
    end,
    minutes,
    week: startDay - weekdayOfDay(startDay),
    night: late ? (sm < 12 * 60 ? startDay - 1 : startDay) : null,
    localStart,
    localEnd,
    clock: clockLabel(localStart),
  };
}

function emptyLoad(): Load {
  return {
    slotIds: new Set(),
    busy: [],
    weekSlots: new Map(),
    weekMinutes: new Map(),
    nights: new Set(),
    windowMinutes: 0,
  };
}

function cloneLoad(l: Load): Load {
  return {
    slotIds: new Set(l.slotIds),
    busy: [...l.busy],
    weekSlots: new Map(l.weekSlots),
    weekMinutes: new Map(l.weekMinutes),
    nights: new Set(l.nights),
    windowMinutes: l.windowMinutes,
  };
}

/** Keeps `busy` sorted by start (the double-booking check stops at the first one after the slot). */
function insertBusy(load: Load, busy: Busy): void {
  let i = load.busy.length;
  while (i > 0 && load.busy[i - 1]!.start > busy.start) i--;
  load.busy.splice(i, 0, busy);
}

function addToLoad(load: Load, s: SlotInfo, inWindow: boolean): void {
  load.slotIds.add(s.slot.id);
  insertBusy(load, { start: s.start, end: s.end, name: s.slot.name, clock: s.clock, slotId: s.slot.id });
  load.weekSlots.set(s.week, (load.weekSlots.get(s.week) ?? 0) + 1);
  load.weekMinutes.set(s.week, (load.weekMinutes.get(s.week) ?? 0) + s.minutes);
  if (s.night !== null) load.nights.add(s.night);
  if (inWindow) load.windowMinutes += s.minutes;
}

/**
 * Validate the input and expand it over [from, to). Schema problems throw a
 * ZodError; unknown ids and duplicates throw DomainError("INVALID") whose
 * details.issues name the path.
 */
export function prepareRota(raw: RotaInputRaw | RotaInput): RotaBoard {
  const input = rotaInput.parse(raw);
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (!isValidZone(input.timeZone))
    issues.push({ path: ["timeZone"], message: `Unknown time zone "${input.timeZone}"` });
  const templates = new Map<string, (typeof input.templates)[number]>();
  input.templates.forEach((t, i) => {
    if (templates.has(t.id))
      issues.push({ path: ["templates", i, "id"], message: `Rota template "${t.id}" is listed twice` });
    templates.set(t.id, t);
  });
  const volunteerIndex = new Map<string, number>();
  input.volunteers.forEach((v, i) => {
    if (volunteerIndex.has(v.id))
      issues.push({ path: ["volunteers", i, "id"], message: `Volunteer "${v.id}" is listed twice` });
    volunteerIndex.set(v.id, i);
    const shiftIds = new Set(v.shifts.map((s) => s.id));
    v.pattern.sets.forEach((s, j) => {
      if (!shiftIds.has(s.shiftId))
        issues.push({
          path: ["volunteers", i, "pattern", "sets", j, "shiftId"],
          message: `Volunteer "${v.id}": unknown shift "${s.shiftId}"`,
        });
    });
  });
  input.assignments.forEach((a, i) => {
    if (!templates.has(a.templateId))
      issues.push({ path: ["assignments", i, "templateId"], message: `Unknown rota template "${a.templateId}"` });
    if (!volunteerIndex.has(a.volunteerId))
      issues.push({ path: ["assignments", i, "volunteerId"], message: `Unknown volunteer "${a.volunteerId}"` });
  });
  if (issues.length) throw new DomainError("INVALID", issues[0]!.message, { issues });

  const from = input.from.getTime();
  const to = input.to.getTime();
  const clock = zoneClock(input.timeZone, from, to);
  const defaults: RotaLimits = { ...DEFAULT_LIMITS, ...input.defaults };

  // Slots.
  const infos: SlotInfo[] = [];
  for (const t of [...templates.values()]) {
    for (const occ of expandInstants(t.rule, t.startsOnLocal, clock, from, to)) {
      const end = occ.start + t.durationMinutes * MINUTE_MS;
      const slot: RotaSlot = {
        id: `${t.id}@${new Date(occ.start).toISOString()}`,
        templateId: t.id,
        name: t.name,
        kind: t.kind,
        start: new Date(occ.start),
        end: new Date(end),
        localStart: localLabel(occ.local),
        localEnd: localLabel(clock.toFloating(end)),
        minVolunteers: t.minVolunteers,
        maxVolunteers: t.maxVolunteers,
        volunteerIds: [],
      };
      infos.push(slotInfo(slot, clock));
    }
  }
  infos.sort((a, b) => a.start - b.start || cmp(a.slot.templateId, b.slot.templateId));
  const slotIndex = new Map(infos.map((s, i) => [s.slot.id, i]));

  // Work periods, two days either side so buffers and rest see across the edges.
  const fromDay = dayNumber(clock.toFloating(from)) - 2;
  const toDay = dayNumber(clock.toFloating(to)) + 2;
  const volunteers: Volunteer[] = input.volunteers.map((v) => {
    const limits: RotaLimits = {
      ...defaults,
      ...Object.fromEntries(Object.entries(v.preferences).filter(([k, x]) => k !== "windows" && x !== undefined)),
    };
    const shifts = new Map(v.shifts.map((s) => [s.id, { s, minutes: shiftPartMinutes(s) }]));
    const parts: WorkPart[] = [];
    for (const { shiftId, day } of shiftDays(v.pattern, fromDay, toDay)) {
      const { s, minutes } = shifts.get(shiftId)!;
      let shiftStart = 0;
      minutes.forEach((m, i) => {
        const startF = day * DAY_MS + m.start * MINUTE_MS;
        const endF = day * DAY_MS + m.end * MINUTE_MS;
        const start = clock.toInstant(startF);
        let end = clock.toInstant(endF);
        // Only a part inside a spring-forward gap can come out empty: keep its length.
        if (end <= start) end = start + (endF - startF);
        if (i === 0) shiftStart = start;
        parts.push({ start, end, shiftStart, shift: s.name, startLabel: s.parts[i]!.start, endLabel: s.parts[i]!.end });
      });
    }
    parts.sort((a, b) => a.start - b.start || a.end - b.end);
    const maxEndSoFar: number[] = [];
    let maxEnd = Number.NEGATIVE_INFINITY;
    for (const p of parts) maxEndSoFar.push((maxEnd = Math.max(maxEnd, p.end)));
    const firsts = parts.filter((p) => p.start === p.shiftStart);
    return {
      id: v.id,
      limits,
      windows: v.preferences.windows.map((w) => {
        const a = minutesOfDay(w.from);
        const b = minutesOfDay(w.to);
        return {
          dayMask: w.days.reduce((m, d) => m | (1 << WEEKDAYS.indexOf(d)), 0),
          from: a * MINUTE_MS,
          to: (b <= a ? b + 1440 : b) * MINUTE_MS,
        };
      }),
      parts,
      partStarts: parts.map((p) => p.start),
      maxEndSoFar,
      shiftStarts: firsts.map((p) => p.start),
      shiftNames: firsts.map((p) => p.shift),
    };
  });

  // Existing assignments: attach to their slots and count toward each volunteer's limits.
  const loads = volunteers.map(() => emptyLoad());
  // Drop-ins they run are busy time too (not slots: they count toward no limit).
  input.volunteers.forEach((v, i) => {
    for (const f of v.facilitating) {
      if (f.end.getTime() <= from - DAY_MS || f.start.getTime() >= to + DAY_MS) continue;
      const at = wallTimeAt(f.start, input.timeZone);
      insertBusy(loads[i]!, {
        start: f.start.getTime(),
        end: f.end.getTime(),
        name: `the drop-in "${f.title}"`,
        dropIn: f.title,
        clock: `${String(at.hour).padStart(2, "0")}:${String(at.minute).padStart(2, "0")}`,
      });
    }
  });
  const seen = new Set<string>();
  const attached = new Map<number, string[]>();
  for (const a of [...input.assignments].sort(
    (x, y) =>
      x.start.getTime() - y.start.getTime() || cmp(x.templateId, y.templateId) || cmp(x.volunteerId, y.volunteerId),
  )) {
    const id = `${a.templateId}@${a.start.toISOString()}`;
    if (seen.has(`${a.volunteerId} ${id}`)) continue;
    seen.add(`${a.volunteerId} ${id}`);
    const t = templates.get(a.templateId)!;
    const idx = slotIndex.get(id);
    const info =
      idx !== undefined
        ? infos[idx]!
        : slotInfo(
            {
              id,
              templateId: t.id,
              name: t.name,
              kind: t.kind,
              start: a.start,
              end: new Date(a.start.getTime() + t.durationMinutes * MINUTE_MS),
              localStart: "",
              localEnd: "",
              minVolunteers: t.minVolunteers,
              maxVolunteers: t.maxVolunteers,
              volunteerIds: [],
            },
            clock,
          );
    const start = a.start.getTime();
    addToLoad(loads[volunteerIndex.get(a.volunteerId)!]!, info, start >= from && start < to);
    if (idx !== undefined) attached.set(idx, [...(attached.get(idx) ?? []), a.volunteerId]);
  }
  for (const [idx, ids] of attached) infos[idx]!.slot.volunteerIds = ids.sort(cmp);

  return {
    timeZone: input.timeZone,
    from: input.from,
    to: input.to,
    slots: infos.map((s) => s.slot),
    volunteerIds: volunteers.map((v) => v.id),
    state: { clock, infos, slotIndex, volunteers, volunteerIndex, loads },
  };
}

function withinWindows(v: Volunteer, s: SlotInfo): boolean {
  if (v.windows.length === 0) return true;
  const startDay = dayNumber(s.localStart);
  for (const day of [startDay, startDay - 1]) {
    const bit = 1 << weekdayOfDay(day);
    const base = day * DAY_MS;
    for (const w of v.windows)
      if (w.dayMask & bit && base + w.from <= s.localStart && s.localEnd <= base + w.to) return true;
  }
  return false;
}

function lateRun(nights: Set<number>, night: number): number {
  let run = 1;
  for (let n = night - 1; nights.has(n); n--) run++;
  for (let n = night + 1; nights.has(n); n++) run++;
  return run;
}

/**
 * Hard rules, in REASON_CODES order. With `all` false it stops at the first.
 * `held` asks about a slot the volunteer already holds: the slot is not busy
 * time against itself, only the rules about time apply (the counting limits
 * already include it), and the reasons are sentences for the holder.
 */
function evaluate(v: Volunteer, load: Load, s: SlotInfo, all: boolean, held = false): Reason[] {
  const out: Reason[] = [];
  const done = () => !all && out.length > 0;
  const { limits } = v;
  // Already on it is a status, not a problem: nothing else is said.
  if (!held && load.slotIds.has(s.slot.id)) return [rotaReasons.alreadyOnSlot()];
  for (const b of load.busy) {
    if (b.start >= s.end) break;
    if (held && b.slotId === s.slot.id) continue;
    if (b.end > s.start) {
      out.push(
        !held
          ? rotaReasons.doubleBooked(b.name, b.clock)
          : b.dropIn !== undefined
            ? heldSlotReasons.runsDropIn(b.dropIn, b.clock)
            : heldSlotReasons.overlapsSlot(b.name, b.clock),
      );
      break;
    }
  }
  if (done()) return out;

  const buffer = limits.bufferAfterWorkMinutes * MINUTE_MS;
  // Parts starting before the slot ends: does any run (plus the buffer) past its start?
  const before = firstIndexAtOrAbove(v.partStarts, s.end);
  if (before > 0 && v.maxEndSoFar[before - 1]! + buffer > s.start) {
    for (let i = before - 1; i >= 0; i--) {
      const p = v.parts[i]!;
      if (p.end + buffer <= s.start) continue;
      if (p.end > s.start)
        out.push(
          held
            ? heldSlotReasons.atWork(p.shift, p.startLabel, p.endLabel)
            : rotaReasons.atWork(p.shift, p.start > s.start ? p.startLabel : null, p.endLabel),
        );
      else
        out.push(
          held
            ? heldSlotReasons.afterWork(p.shift, p.endLabel, s.start - p.end, limits.bufferAfterWorkMinutes)
            : rotaReasons.afterWork(p.shift, p.endLabel, limits.bufferAfterWorkMinutes),
        );
      break;
    }
    if (done()) return out;
  }
  // Back to the second part of a split shift: the buffer applies, not the rest.
  const next = v.parts[before];
  if (next && next.shiftStart < s.start && next.start - s.end < buffer) {
    out.push(
      held
        ? heldSlotReasons.splitReturn(next.shift, next.startLabel, next.start - s.end, limits.bufferAfterWorkMinutes)
        : rotaReasons.splitReturn(next.shift, next.startLabel, limits.bufferAfterWorkMinutes),
    );
    if (done()) return out;
  }
  const k = firstIndexAtOrAbove(v.shiftStarts, s.end);
  if (k < v.shiftStarts.length) {
    const rest = v.shiftStarts[k]! - s.end;
    if (rest < limits.minRestBeforeWorkMinutes * MINUTE_MS) {
      out.push(
        held
          ? heldSlotReasons.restBeforeWork(v.shiftNames[k]!, rest, limits.minRestBeforeWorkMinutes)
          : rotaReasons.restBeforeWork(v.shiftNames[k]!, rest),
      );
      if (done()) return out;
    }
  }

  if (!withinWindows(v, s)) {
    out.push(held ? heldSlotReasons.outsideWindows() : rotaReasons.outsideWindows());
    if (done()) return out;
  }
  // Weekly counts and late-night runs already include a held slot: which one to give up is theirs to say.
  if (held) return out;
  const taken = load.weekSlots.get(s.week) ?? 0;
  if (taken + 1 > limits.maxSlotsPerWeek) {
    out.push(rotaReasons.weeklyMaxSlots(limits.maxSlotsPerWeek));
    if (done()) return out;
  }
  const minutes = (load.weekMinutes.get(s.week) ?? 0) + s.minutes;
  if (minutes > limits.maxHoursPerWeek * 60) {
    out.push(rotaReasons.weeklyMaxHours(minutes, limits.maxHoursPerWeek));
    if (done()) return out;
  }
  if (s.night !== null && !load.nights.has(s.night)) {
    const run = lateRun(load.nights, s.night);
    if (run > limits.maxConsecutiveLateNights) out.push(rotaReasons.lateNights(run, limits.maxConsecutiveLateNights));
  }
  return out;
}

function lookup(board: RotaBoard, volunteerId: string, slotId: string): [number, number] {
  const v = board.state.volunteerIndex.get(volunteerId);
  if (v === undefined) throw new DomainError("NOT_FOUND", `Unknown volunteer "${volunteerId}"`);
  const s = board.state.slotIndex.get(slotId);
  if (s === undefined) throw new DomainError("NOT_FOUND", `No slot "${slotId}" in this rota window`);
  return [v, s];
}

/** May this volunteer take this slot, given the existing assignments? Every reason if not. */
export function checkEligibility(board: RotaBoard, volunteerId: string, slotId: string): Eligibility {
  const [v, s] = lookup(board, volunteerId, slotId);
  const found = evaluate(board.state.volunteers[v]!, board.state.loads[v]!, board.state.infos[s]!, true);
  return found.length ? { eligible: false, reasons: found } : { eligible: true };
}

/**
 * Does a slot this volunteer holds still fit around their work, drop-ins they
 * run, other slots and the times they offered (after they changed any of
 * them)? Every reason it does not, as sentences for them; [] if it fits. The
 * weekly and late-night limits are not asked again: they count the slot itself.
 */
export function heldSlotClashes(board: RotaBoard, volunteerId: string, slotId: string): Reason[] {
  const [v, s] = lookup(board, volunteerId, slotId);
  return evaluate(board.state.volunteers[v]!, board.state.loads[v]!, board.state.infos[s]!, true, true);
}

/** Every volunteer's eligibility for one slot, in volunteer order. */
export function slotEligibility(board: RotaBoard, slotId: string): { volunteerId: string; eligibility: Eligibility }[] {
  const s = board.state.slotIndex.get(slotId);
  if (s === undefined) throw new DomainError("NOT_FOUND", `No slot "${slotId}" in this rota window`);
  const info = board.state.infos[s]!;
  return board.state.volunteers.map((v, i) => {
    const found = evaluate(v, board.state.loads[i]!, info, true);
    return { volunteerId: v.id, eligibility: found.length ? { eligible: false, reasons: found } : { eligible: true } };
  });
}

/** 32-bit FNV-1a: a fixed, platform-independent tie-break. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** In the gap list, an eligible volunteer whom auto-fill may not propose (see AutoFillOptions.candidates). */
export const NOT_A_CANDIDATE_GROUP = "without a work pattern";

function gapsFor(state: BoardState, loads: Load[], counts: number[], candidates?: ReadonlySet<string>): RotaGap[] {
  const gaps: RotaGap[] = [];
  state.infos.forEach((s, i) => {
    const filled = counts[i]!;
    if (filled >= s.slot.minVolunteers) return;
    const groups: string[] = [];
    state.volunteers.forEach((v, j) => {
      if (loads[j]!.slotIds.has(s.slot.id)) return;
      const found = evaluate(v, loads[j]!, s, false);
      groups.push(
        found.length ? found[0]!.group : candidates && !candidates.has(v.id) ? NOT_A_CANDIDATE_GROUP : "available",
      );
    });
    const counted = countReasonGroups(groups);
    gaps.push({
      slotId: s.slot.id,
      templateId: s.slot.templateId,
      name: s.slot.name,
      start: s.slot.start,
      end: s.slot.end,
      filled,
      needed: s.slot.minVolunteers - filled,
      reasons: counted,
      summary: counted.length ? summariseReasons(counted) : "no volunteers",
    });
  });
  return gaps;
}

/** Slots below their minimum as things stand, with everyone's main reason counted. */
export function listGaps(board: RotaBoard, options: Pick<AutoFillOptions, "candidates"> = {}): RotaGap[] {
  return gapsFor(
    board.state,
    board.state.loads,
    board.state.infos.map((s) => s.slot.volunteerIds.length),
    options.candidates,
  );
}

export interface AutoFillOptions {
  /** Fill each uncovered slot up to its minimum (default) or its maximum. */
  fillTo?: "min" | "max";
  /**
   * Only these volunteers may be proposed (e.g. those who have said when they
   * work); the others still count toward slots they are on. Default: everyone.
   */
  candidates?: ReadonlySet<string>;
}

/**
 * Propose volunteers for slots below their target, as a preview (nothing is
 * changed). Slots are taken in time order. For each, only volunteers who break
 * no hard rule are considered, and the least loaded is chosen first: lowest
 * share of their own weekly hours already given in this window, then fewest
 * minutes, then a fixed hash of (slot, volunteer) so the same people are not
 * always first, then id. Deterministic; running it again on its own output
 * proposes nothing.
 */
export function autoFill(board: RotaBoard, options: AutoFillOptions = {}): AutoFillResult {
  const { state } = board;
  const loads = state.loads.map(cloneLoad);
  const counts = state.infos.map((s) => s.slot.volunteerIds.length);
  const proposals: ProposedAssignment[] = [];
  const from = board.from.getTime();
  const to = board.to.getTime();
  state.infos.forEach((s, i) => {
    const target = Math.min(
      options.fillTo === "max" ? s.slot.maxVolunteers : s.slot.minVolunteers,
      s.slot.maxVolunteers,
    );
    let need = target - counts[i]!;
    if (need <= 0) return;
    const candidates: { j: number; share: number; minutes: number; hash: number; id: string }[] = [];
    state.volunteers.forEach((v, j) => {
      if (options.candidates && !options.candidates.has(v.id)) return;
      if (evaluate(v, loads[j]!, s, false).length) return;
      const minutes = loads[j]!.windowMinutes;
      candidates.push({
        j,
        share: v.limits.maxHoursPerWeek > 0 ? minutes / (v.limits.maxHoursPerWeek * 60) : Number.POSITIVE_INFINITY,
        minutes,
        hash: fnv(`${s.slot.id}|${v.id}`),
        id: v.id,
      });
    });
    candidates.sort((a, b) => a.share - b.share || a.minutes - b.minutes || a.hash - b.hash || cmp(a.id, b.id));
    for (const c of candidates) {
      if (need <= 0) break;
      // Taking one volunteer changes only their own load, so the rest stay eligible.
      addToLoad(loads[c.j]!, s, s.start >= from && s.start < to);
      counts[i]!++;
      need--;
      proposals.push({ volunteerId: c.id, templateId: s.slot.templateId, slotId: s.slot.id, start: s.slot.start });
    }
  });
  return { proposals, gaps: gapsFor(state, loads, counts, options.candidates) };
}

/** Existing assignments plus accepted proposals, without duplicates, in a fixed order. */
export function applyProposals(
  assignments: readonly RotaAssignment[],
  proposals: readonly Pick<ProposedAssignment, "volunteerId" | "templateId" | "start">[],
): RotaAssignment[] {
  const byKey = new Map<string, RotaAssignment>();
  for (const a of [...assignments, ...proposals]) {
    const start = new Date(a.start);
    byKey.set(`${a.volunteerId} ${a.templateId} ${start.getTime()}`, {
      volunteerId: a.volunteerId,
      templateId: a.templateId,
      start,
    });
  }
  return [...byKey.values()].sort(
    (x, y) =>
      x.start.getTime() - y.start.getTime() || cmp(x.templateId, y.templateId) || cmp(x.volunteerId, y.volunteerId),
  );
}
