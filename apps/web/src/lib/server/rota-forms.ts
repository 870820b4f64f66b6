import {
  MAX_CYCLE_WEEKS,
  WEEKDAYS,
  preferencesForm,
  shiftTemplates,
  workPatternSchema,
  type ShiftTemplate,
  type VolunteerPreferences,
  type WorkPatternBuilder,
} from "@offshift/core";
import type { PatternFormValues, PreferencesFormValues } from "$lib/rota-form-values.js";

/**
 * The work-pattern and preferences forms: flat fields (shift.0.part.1.end,
 * day.2.FR, change.0.date, window.0.days) to the shapes core's schemas parse,
 * and zod issue paths back to those field names.
 */

type Issue = { path: PropertyKey[]; message: string };
const MAX_SHIFTS = 20;
const MAX_PARTS = 3;
const MAX_CHANGES = 500;
const MAX_WINDOWS = 28;

const str = (data: FormData, k: string, max = 100): string => {
  const v = data.get(k);
  return typeof v === "string" ? v.slice(0, max) : "";
};

export function patternFormValues(data: FormData): PatternFormValues {
  const shifts: PatternFormValues["shifts"] = [];
  for (let i = 0; i < MAX_SHIFTS && data.has(`shift.${i}.id`); i++) {
    const parts: PatternFormValues["shifts"][number]["parts"] = [];
    for (let j = 0; j < MAX_PARTS && data.has(`shift.${i}.part.${j}.start`); j++)
      parts.push({
        start: str(data, `shift.${i}.part.${j}.start`),
        end: str(data, `shift.${i}.part.${j}.end`),
        nextDay: data.get(`shift.${i}.part.${j}.nextDay`) === "on",
      });
    shifts.push({ id: str(data, `shift.${i}.id`), name: str(data, `shift.${i}.name`), parts });
  }
  const days: Record<string, string> = {};
  for (let w = 1; w <= MAX_CYCLE_WEEKS; w++)
    for (const d of WEEKDAYS) {
      const v = str(data, `day.${w}.${d}`);
      if (v) days[`${w}.${d}`] = v;
    }
  const changes: PatternFormValues["changes"] = [];
  for (let k = 0; k < MAX_CHANGES && data.has(`change.${k}.kind`); k++)
    changes.push({
      kind: str(data, `change.${k}.kind`),
      date: str(data, `change.${k}.date`),
      shiftId: str(data, `change.${k}.shiftId`),
    });
  return {
    shifts,
    everyWeeks: str(data, "everyWeeks") || "1",
    cycleStartsOn: str(data, "cycleStartsOn"),
    until: str(data, "until"),
    days,
    changes,
  };
}

/** The stored pattern as form values. */
export function patternValues(
  shifts: ShiftTemplate[],
  builder: WorkPatternBuilder | null,
  today: string,
): PatternFormValues {
  const days: Record<string, string> = {};
  for (const s of builder?.shifts ?? []) days[`${s.week}.${s.day}`] ??= s.shiftId;
  return {
    shifts: shifts.map((s) => ({
      id: s.id,
      name: s.name,
      parts: s.parts.map((p) => ({ start: p.start, end: p.end, nextDay: p.endsNextDay })),
    })),
    everyWeeks: String(builder?.everyWeeks ?? 1),
    cycleStartsOn: builder?.cycleStartsOn ?? today,
    until: builder?.until ?? "",
    days,
    changes: (builder?.changes ?? []).map((c) => ({ ...c })),
  };
}

export type PatternParse =
  | { ok: true; shifts: ShiftTemplate[]; builder: WorkPatternBuilder; cellKeys: string[] }
  | { ok: false; errors: Record<string, string> };

/** Validates with core: the shift templates first, then the pattern against them. */
export function parsePatternForm(values: PatternFormValues): PatternParse {
  const shifts = shiftTemplates.safeParse(
    values.shifts.map((s) => ({
      id: s.id,
      name: s.name,
      parts: s.parts.map((p) => ({ start: p.start, end: p.end, endsNextDay: p.nextDay })),
    })),
  );
  if (!shifts.success) return { ok: false, errors: shiftErrors(shifts.error.issues) };
  const weeks = Number(values.everyWeeks);
  const cellKeys: string[] = [];
  const cells: { week: number; day: string; shiftId: string }[] = [];
  for (let w = 1; w <= MAX_CYCLE_WEEKS; w++) {
    if (Number.isInteger(weeks) && w > weeks) break;
    for (const d of WEEKDAYS) {
      const shiftId = values.days[`${w}.${d}`];
      if (!shiftId) continue;
      cells.push({ week: w, day: d, shiftId });
      cellKeys.push(`day.${w}.${d}`);
    }
  }
  const builder = workPatternSchema(shifts.data).safeParse({
    cycleStartsOn: values.cycleStartsOn,
    everyWeeks: values.everyWeeks,
    shifts: cells,
    ...(values.until ? { until: values.until } : {}),
    changes: values.changes,
  });
  if (!builder.success) return { ok: false, errors: patternErrors(builder.error.issues, cellKeys) };
  return { ok: true, shifts: shifts.data, builder: builder.data, cellKeys };
}

function shiftErrors(issues: Issue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const [index, field, part, partField] = i.path;
    let key = "form";
    if (typeof index === "number") {
      if (field === "parts" && typeof part === "number")
        key = `shift.${index}.part.${part}.${partField === "endsNextDay" ? "nextDay" : String(partField ?? "end")}`;
      else if (field === "name" || field === "id") key = `shift.${index}.name`;
      else key = `shift.${index}.parts`;
    }
    out[key] ??= i.message;
  }
  return out;
}

export function patternErrors(issues: Issue[], cellKeys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const [first, index, field] = i.path;
    let key = "form";
    if (first === "shifts" && typeof index === "number") key = cellKeys[index] ?? "form";
    else if (first === "changes" && typeof index === "number")
      key = `change.${index}.${typeof field === "string" ? field : "date"}`;
    else if (first === "cycleStartsOn" || first === "everyWeeks" || first === "until") key = first;
    out[key] ??= i.message;
  }
  return out;
}

export function preferencesFormValues(data: FormData): PreferencesFormValues {
  const windows: PreferencesFormValues["windows"] = [];
  for (let i = 0; i < MAX_WINDOWS && data.has(`window.${i}.from`); i++)
    windows.push({
      days: data.getAll(`window.${i}.days`).map(String).slice(0, 7),
      from: str(data, `window.${i}.from`),
      to: str(data, `window.${i}.to`),
    });
  return {
    maxSlotsPerWeek: str(data, "maxSlotsPerWeek", 10),
    maxHoursPerWeek: str(data, "maxHoursPerWeek", 10),
    maxConsecutiveLateNights: str(data, "maxConsecutiveLateNights", 10),
    bufferAfterWorkMinutes: str(data, "bufferAfterWorkMinutes", 10),
    minRestBeforeWorkHours: str(data, "minRestBeforeWorkHours", 10),
    restAfterShiftHours: str(data, "restAfterShiftHours", 10),
    windows,
  };
}

export function preferencesValues(p: VolunteerPreferences): PreferencesFormValues {
  const s = (n: number | undefined) => (n === undefined ? "" : String(n));
  return {
    maxSlotsPerWeek: s(p.maxSlotsPerWeek),
    maxHoursPerWeek: s(p.maxHoursPerWeek),
    maxConsecutiveLateNights: s(p.maxConsecutiveLateNights),
    bufferAfterWorkMinutes: s(p.bufferAfterWorkMinutes),
    minRestBeforeWorkHours: p.minRestBeforeWorkMinutes === undefined ? "" : String(p.minRestBeforeWorkMinutes / 60),
    restAfterShiftHours: p.restAfterShiftMinutes === undefined ? "" : String(p.restAfterShiftMinutes / 60),
    windows: p.windows.map((w) => ({ days: [...w.days], from: w.from, to: w.to })),
  };
}

export type PreferencesParse =
  { ok: true; preferences: VolunteerPreferences } | { ok: false; errors: Record<string, string> };

export function parsePreferencesForm(values: PreferencesFormValues): PreferencesParse {
  const parsed = preferencesForm.safeParse(values);
  if (parsed.success) return { ok: true, preferences: parsed.data };
  const errors: Record<string, string> = {};
  for (const i of parsed.error.issues) {
    const [first, index, field] = i.path;
    const key =
      first === "windows" && typeof index === "number"
        ? `window.${index}.${typeof field === "string" ? field : "days"}`
        : typeof first === "string"
          ? first
          : "form";
    errors[key] ??= i.message;
  }
  return { ok: false, errors };
}
