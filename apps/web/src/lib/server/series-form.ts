import { LANGUAGES, THEMES, WEEKDAYS, builderFromRule, type RecurrenceBuilder } from "@offshift/core";
import { listApprovedFacilitators } from "@offshift/db";
import type { SeriesFormValues } from "$lib/components/SeriesForm.svelte";
import { getDb } from "./db.js";
import { env } from "./env.js";

/** Turns the flat "new series" form into the nested shape `seriesInput` parses. */
export function seriesFormToInput(data: FormData, facilitatorId: string) {
  const text = (k: string) => {
    const v = data.get(k);
    return typeof v === "string" ? v.slice(0, 4000) : undefined;
  };
  const pattern = text("pattern");
  const endsKind = text("endsKind");
  return {
    title: text("title"),
    theme: text("theme"),
    description: text("description"),
    language: text("language"),
    capacity: text("capacity"),
    roomStyle: text("roomStyle"),
    durationMinutes: text("durationMinutes"),
    facilitatorId,
    backupFacilitatorId: text("backupFacilitatorId") || undefined,
    recurrence: {
      pattern,
      ...(pattern === "monthly"
        ? { nth: text("nth"), day: text("monthDay") }
        : { days: data.getAll("days").map(String), everyWeeks: text("everyWeeks") }),
      startsOn: text("startsOn"),
      time: text("time"),
      ends:
        endsKind === "until"
          ? { kind: "until", until: text("until") }
          : endsKind === "count"
            ? { kind: "count", count: text("count") }
            : { kind: "never" },
    },
  };
}

/** Field errors from zod paths like ["recurrence", "days"] become "days". */
export function seriesFieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = String(i.path.at(-1) === "kind" ? "endsKind" : (i.path.at(-1) ?? "form"));
    out[key] ??= i.message;
  }
  return out;
}

/** The flat, string-valued fields the series form shows (echoed back after an error). */
export function seriesFormValues(data: FormData): SeriesFormValues {
  const text = (k: string, fallback = "") => {
    const v = data.get(k);
    return typeof v === "string" ? v.slice(0, 2000) : fallback;
  };
  return {
    title: text("title"),
    theme: text("theme"),
    description: text("description"),
    language: text("language", "en"),
    capacity: text("capacity"),
    durationMinutes: text("durationMinutes"),
    roomStyle: text("roomStyle", "OPEN"),
    backupFacilitatorId: text("backupFacilitatorId"),
    pattern: text("pattern", "weekly"),
    days: data.getAll("days").map(String).slice(0, 7),
    everyWeeks: text("everyWeeks", "1"),
    nth: text("nth", "1"),
    monthDay: text("monthDay", "MO"),
    startsOn: text("startsOn"),
    time: text("time", "22:00"),
    endsKind: text("endsKind", "never"),
    until: text("until"),
    count: text("count"),
  };
}

export const newSeriesValues = (startsOn: string): SeriesFormValues => ({
  title: "",
  theme: THEMES[0],
  description: "",
  language: "en",
  capacity: "12",
  durationMinutes: "60",
  roomStyle: "OPEN",
  backupFacilitatorId: "",
  pattern: "weekly",
  days: [],
  everyWeeks: "1",
  nth: "1",
  monthDay: "MO",
  startsOn,
  time: "22:00",
  endsKind: "never",
  until: "",
  count: "",
});

/** A stored series as the form's fields, or null if its rule did not come from the builder. */
export function seriesValues(s: {
  title: string;
  theme: string;
  description: string;
  language: string;
  capacity: number;
  durationMinutes: number;
  roomStyle: string;
  backupFacilitatorId: string | null;
  rrule: string;
  startsOnLocal: string;
}): SeriesFormValues | null {
  const b = builderFromRule(s.rrule, s.startsOnLocal);
  if (!b) return null;
  return {
    title: s.title,
    theme: s.theme,
    description: s.description,
    language: s.language,
    capacity: String(s.capacity),
    durationMinutes: String(s.durationMinutes),
    roomStyle: s.roomStyle,
    backupFacilitatorId: s.backupFacilitatorId ?? "",
    ...recurrenceFields(b),
  };
}

/** A builder choice as the recurrence fields the series and rota template forms share. */
export function recurrenceFields(b: RecurrenceBuilder) {
  return {
    pattern: b.pattern as string,
    days: b.pattern === "weekly" ? [...b.days] : [],
    everyWeeks: b.pattern === "weekly" ? String(b.everyWeeks) : "1",
    nth: b.pattern === "monthly" ? String(b.nth) : "1",
    monthDay: b.pattern === "monthly" ? b.day : "MO",
    startsOn: b.startsOn,
    time: b.time,
    endsKind: b.ends.kind as string,
    until: b.ends.kind === "until" ? b.ends.until : "",
    count: b.ends.kind === "count" ? String(b.ends.count) : "",
  };
}

/** Choices the form offers: themes, days, languages, and the other facilitators who could be backup. */
export async function seriesFormOptions(leadId: string) {
  const others = await listApprovedFacilitators(getDb(), { except: leadId });
  return {
    themes: [...THEMES] as string[],
    weekdays: [...WEEKDAYS] as string[],
    languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
    backups: others,
    timeZone: env().ORG_TIMEZONE,
  };
}
