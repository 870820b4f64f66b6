// Rota engine: expansion + eligibility + auto-fill for 500 volunteers with
// varied work patterns, 6 rota templates, 12 weeks across the spring clock
// change, beside raw rrule expansion of the same rules (the floor).
import * as rruleModule from "rrule";
import {
  autoFill,
  buildWorkPattern,
  prepareRota,
  SHIFT_PRESETS,
  slotEligibility,
  workPatternIssues,
} from "@offshift/core";

const { RRule } = rruleModule.RRule ? rruleModule : rruleModule.default;

export const title = "Rota engine (Europe/London, 500 volunteers, 6 templates, 12 weeks from 2026-03-01)";

const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const from = new Date("2026-03-01T00:00:00Z");
const to = new Date(from.getTime() + 84 * 86_400_000);

const templates = [
  {
    id: "late",
    name: "Talk line late",
    rule: "FREQ=DAILY",
    startsOnLocal: "2026-01-05T21:30:00",
    durationMinutes: 180,
    minVolunteers: 2,
    maxVolunteers: 3,
  },
  {
    id: "early",
    name: "Talk line early",
    rule: "FREQ=DAILY",
    startsOnLocal: "2026-01-05T06:30:00",
    durationMinutes: 90,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  {
    id: "gap",
    name: "Split-shift gap",
    rule: "FREQ=WEEKLY;WKST=MO;BYDAY=MO,TU,WE,TH,FR",
    startsOnLocal: "2026-01-05T13:00:00",
    durationMinutes: 120,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  {
    id: "small",
    name: "Talk line small hours",
    rule: "FREQ=DAILY",
    startsOnLocal: "2026-01-05T00:30:00",
    durationMinutes: 150,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  {
    id: "weekend",
    name: "Weekend afternoon",
    rule: "FREQ=WEEKLY;WKST=MO;BYDAY=SA,SU",
    startsOnLocal: "2026-01-03T15:00:00",
    durationMinutes: 180,
    minVolunteers: 1,
    maxVolunteers: 2,
  },
  {
    id: "cover",
    name: "Cover: Lone working at night",
    kind: "facilitator-cover",
    rule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TU,TH",
    startsOnLocal: "2026-01-06T22:00:00",
    durationMinutes: 60,
    minVolunteers: 1,
    maxVolunteers: 1,
  },
];

// Realistic shapes: fixed earlies, two-week early/late rotations, four-week
// night rotations, weekday splits, long days on alternate weeks, part-time lates.
const SHAPES = [
  { weeks: 1, plan: [[1, "MO,TU,WE,TH,FR", "early"]] },
  {
    weeks: 2,
    plan: [
      [1, "MO,TU,WE", "early"],
      [2, "TH,FR,SA,SU", "late"],
    ],
  },
  {
    weeks: 4,
    plan: [
      [1, "MO,TU,WE", "night"],
      [2, "FR,SA,SU", "night"],
      [3, "TH,FR", "night"],
      [4, "MO", "night"],
    ],
  },
  { weeks: 1, plan: [[1, "MO,TU,WE,TH,FR", "split"]] },
  {
    weeks: 2,
    plan: [
      [1, "MO,WE,FR", "long-day"],
      [2, "TU,TH", "long-day"],
    ],
  },
  { weeks: 1, plan: [[1, "TH,FR,SA", "late"]] },
  {
    weeks: 2,
    plan: [
      [1, "SA,SU", "long-day"],
      [1, "TU,WE", "early"],
      [2, "MO,TU", "night"],
    ],
  },
];

function volunteers(n) {
  return Array.from({ length: n }, (_, i) => {
    const shape = SHAPES[i % SHAPES.length];
    const shift = (q) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`;
    const nudge = (i % 5) - 2; // starts 30 minutes either side of the preset
    const shifts = SHIFT_PRESETS.map((s) => ({
      ...s,
      parts: s.parts.map((p) => {
        const q = (hhmm) => Number(hhmm.slice(0, 2)) * 4 + Number(hhmm.slice(3)) / 15;
        return s.id === "night" || s.id === "split"
          ? p
          : { ...p, start: shift(q(p.start) + nudge), end: shift(q(p.end) + nudge) };
      }),
    }));
    const anchor = new Date(Date.UTC(2026, 0, 5 + 7 * (i % 4) + (i % 3))).toISOString().slice(0, 10);
    const builder = { cycleStartsOn: anchor, everyWeeks: shape.weeks, shifts: [], changes: [] };
    for (const [week, days, shiftId] of shape.plan)
      for (const day of days.split(",")) builder.shifts.push({ week, day, shiftId });
    // One-off changes: a shift off and an extra shift, where they fit.
    const offDay = new Date(from.getTime() + ((i * 5) % 80) * 86_400_000).toISOString().slice(0, 10);
    const extraDay = new Date(from.getTime() + ((i * 11) % 80) * 86_400_000).toISOString().slice(0, 10);
    for (const change of [
      { kind: "off", date: offDay, shiftId: shape.plan[0][2] },
      { kind: "extra", date: extraDay, shiftId: "late" },
    ]) {
      const next = { ...builder, changes: [...builder.changes, change] };
      if (workPatternIssues(next, shifts).length === 0) builder.changes = next.changes;
    }
    const preferences = {
      maxSlotsPerWeek: 1 + (i % 4),
      maxHoursPerWeek: 4 + (i % 9),
      maxConsecutiveLateNights: 1 + (i % 3),
      windows:
        i % 6 === 0
          ? [{ days: ["FR", "SA", "SU"], from: "18:00", to: "03:00" }]
          : i % 6 === 1
            ? [{ days: DAYS, from: "06:00", to: "16:00" }]
            : [],
    };
    return { id: `v${String(i).padStart(3, "0")}`, shifts, pattern: buildWorkPattern(builder, shifts), preferences };
  });
}

function median(fn, runs = 5) {
  const times = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[Math.floor(runs / 2)] * 10) / 10, out };
}

const floating = (stamp) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
};

export async function run() {
  const people = volunteers(500);
  const input = { timeZone: "Europe/London", from, to, templates, volunteers: people };

  const prepare = median(() => prepareRota(input));
  const board = prepare.out;
  const eligibility = median(() => {
    let eligible = 0;
    for (const slot of board.slots)
      for (const e of slotEligibility(board, slot.id)) if (e.eligibility.eligible) eligible++;
    return eligible;
  });
  const fill = median(() => autoFill(board));
  const total = median(() => {
    const b = prepareRota(input);
    for (const slot of b.slots) slotEligibility(b, slot.id);
    return autoFill(b);
  });

  // The floor: rrule.js expanding the same rules in floating time, no zone conversion.
  const rules = [
    ...templates.map((t) => ({ rule: t.rule, dtstart: floating(t.startsOnLocal.replace(/[-:]/g, "")) })),
    ...people.flatMap((p) =>
      p.pattern.sets.flatMap(({ rruleSet }) => {
        const lines = rruleSet.split("\n");
        const dtstart = floating(lines[0].slice("DTSTART:".length));
        return lines.filter((l) => l.startsWith("RRULE:")).map((l) => ({ rule: l.slice(6), dtstart }));
      }),
    ),
  ];
  const floor = median(() =>
    rules.reduce(
      (n, r) => n + new RRule({ ...RRule.parseString(r.rule), dtstart: r.dtstart }).between(from, to, true).length,
      0,
    ),
  );

  return [
    { name: "expansion + eligibility (every pair) + auto-fill", value: total.ms, unit: "ms" },
    { name: "  expansion and validation (prepareRota)", value: prepare.ms, unit: "ms" },
    { name: "  eligibility with reasons, every volunteer x slot", value: eligibility.ms, unit: "ms" },
    { name: "  auto-fill (proposals + gaps with reasons)", value: fill.ms, unit: "ms" },
    { name: "  slots", value: board.slots.length, unit: "count", lowerIsBetter: false },
    { name: "  eligible volunteer x slot pairs", value: eligibility.out, unit: "count", lowerIsBetter: false },
    { name: "  proposals", value: fill.out.proposals.length, unit: "count", lowerIsBetter: false },
    { name: "  gaps left", value: fill.out.gaps.length, unit: "count" },
    { name: `raw rrule expansion of the same ${rules.length} rules (floor)`, value: floor.ms, unit: "ms" },
  ];
}
