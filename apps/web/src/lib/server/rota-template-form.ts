import { fail } from "@sveltejs/kit";
import { builderFromRule, rotaTemplateRequest, WEEKDAYS, type Refusal } from "@offshift/core";
import { listCoverableSeries, type RotaTemplateRow } from "@offshift/db";
import type { RotaTemplateValues } from "$lib/components/RotaTemplateForm.svelte";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { statusOf } from "./refusals.js";
import { recurrenceFields, seriesFieldErrors, seriesFormToInput } from "./series-form.js";

/**
 * The flat rota template form as the nested shape core's rotaTemplateRequest
 * parses. The recurrence fields are the drop-in series form's, plus "every
 * day" (weekly on all seven days).
 */
export function rotaTemplateFormInput(data: FormData) {
  const text = (k: string) => {
    const v = data.get(k);
    return typeof v === "string" ? v.slice(0, 200) : undefined;
  };
  const kind = text("kind");
  if (kind === "facilitator-cover")
    return {
      kind,
      name: text("name"),
      seriesId: text("seriesId"),
      minVolunteers: text("minVolunteers"),
      maxVolunteers: text("maxVolunteers"),
    };
  const daily = text("pattern") === "daily";
  const flat = new FormData();
  for (const [k, v] of data) if (!(daily && (k === "pattern" || k === "days" || k === "everyWeeks"))) flat.append(k, v);
  if (daily) {
    flat.set("pattern", "weekly");
    flat.set("everyWeeks", "1");
    for (const d of WEEKDAYS) flat.append("days", d);
  }
  return {
    kind,
    name: text("name"),
    recurrence: seriesFormToInput(flat, "").recurrence,
    durationMinutes: text("durationMinutes"),
    minVolunteers: text("minVolunteers"),
    maxVolunteers: text("maxVolunteers"),
  };
}

/** Field errors keyed by the form's field names. */
export const rotaTemplateFieldErrors = seriesFieldErrors;

/** The submitted fields, echoed back after an error. */
export function rotaTemplateFormValues(data: FormData): RotaTemplateValues {
  const text = (k: string, fallback = "") => {
    const v = data.get(k);
    return typeof v === "string" ? v.slice(0, 200) : fallback;
  };
  return {
    kind: text("kind", "talk-line"),
    name: text("name"),
    seriesId: text("seriesId"),
    pattern: text("pattern", "daily"),
    days: data.getAll("days").map(String).slice(0, 7),
    everyWeeks: text("everyWeeks", "1"),
    nth: text("nth", "1"),
    monthDay: text("monthDay", "MO"),
    startsOn: text("startsOn"),
    time: text("time", "21:30"),
    endsKind: text("endsKind", "never"),
    until: text("until"),
    count: text("count"),
    durationMinutes: text("durationMinutes"),
    minVolunteers: text("minVolunteers"),
    maxVolunteers: text("maxVolunteers"),
  };
}

export const newRotaTemplateValues = (startsOn: string): RotaTemplateValues => ({
  kind: "talk-line",
  name: "",
  seriesId: "",
  pattern: "daily",
  days: [],
  everyWeeks: "1",
  nth: "1",
  monthDay: "MO",
  startsOn,
  time: "21:30",
  endsKind: "never",
  until: "",
  count: "",
  durationMinutes: "180",
  minVolunteers: "1",
  maxVolunteers: "2",
});

/** A stored template as the form's fields (a rule the builder did not write starts from "every day"). */
export function rotaTemplateValues(t: RotaTemplateRow, startsOn: string): RotaTemplateValues {
  const b = builderFromRule(t.rrule, t.startsOnLocal);
  const base = {
    ...newRotaTemplateValues(startsOn),
    kind: t.kind === "FACILITATOR_COVER" ? "facilitator-cover" : "talk-line",
    name: t.name,
    seriesId: t.seriesId ?? "",
    durationMinutes: String(t.durationMinutes),
    minVolunteers: String(t.minVolunteers),
    maxVolunteers: String(t.maxVolunteers),
  };
  if (!b) return base;
  const everyDay = b.pattern === "weekly" && b.days.length === 7 && b.everyWeeks === 1;
  const fields = recurrenceFields(b);
  return everyDay ? { ...base, ...fields, pattern: "daily", days: [] } : { ...base, ...fields };
}

/** Choices the template form offers: the days, the drop-in series a cover template can be for, and the zone's name. */
export async function rotaTemplateFormOptions() {
  return {
    weekdays: [...WEEKDAYS] as string[],
    series: await listCoverableSeries(getDb()),
    timeZone: env().ORG_TIMEZONE,
  };
}

/**
 * A posted template form, for a new template or an edit: the values to echo
 * back, and either the template core parsed or the 400 that shows each
 * field's error beside it (nothing is saved).
 */
export async function readRotaTemplateForm(request: Request) {
  const data = await request.formData();
  const values = rotaTemplateFormValues(data);
  const parsed = rotaTemplateRequest.safeParse(rotaTemplateFormInput(data));
  if (parsed.success) return { values, template: parsed.data, invalid: null };
  return {
    values,
    template: null,
    invalid: fail(400, { errors: rotaTemplateFieldErrors(parsed.error.issues), values }),
  };
}

/** A refused save: a field's refusal is shown beside the field; any other (not found, retired) above the form. */
export function rotaTemplateRefused(refusal: Refusal & { field?: string }, values: RotaTemplateValues) {
  return fail(statusOf(refusal), { errors: { [refusal.field ?? "form"]: refusal.message }, values });
}
