import { z } from "zod";
import { hiddenInLine } from "../text/hidden.js";
import type { ScheduledSeries } from "../dropins/series.js";
import { buildRule, recurrenceBuilder } from "../time/recurrence-builder.js";
import { rotaTemplate, ROTA_KINDS, type RotaTemplate } from "./schema.js";

/**
 * Rota templates from the coordinator's form: the same friendly recurrence
 * builder as drop-in series (weekly on chosen days every 1-4 weeks, or
 * monthly on the nth weekday), so nobody types RRULE. "Daily" is weekly on
 * all seven days.
 */
export const rotaTemplateForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the rota template")
    .max(60, "Keep the name to 60 characters or fewer")
    .refine((v) => !hiddenInLine(v), "The name cannot contain line breaks or hidden characters"),
  kind: z.enum(ROTA_KINDS, { error: "Choose talk line or facilitator cover" }).default("talk-line"),
  recurrence: recurrenceBuilder,
  durationMinutes: z.coerce.number().int().min(15, "At least 15 minutes").max(720, "At most 12 hours"),
  minVolunteers: z.coerce.number().int().min(0, "Between 0 and 20 volunteers").max(20, "Between 0 and 20 volunteers"),
  maxVolunteers: z.coerce.number().int().min(1, "Between 1 and 20 volunteers").max(20, "Between 1 and 20 volunteers"),
});
export type RotaTemplateForm = z.infer<typeof rotaTemplateForm>;

/** The stored template for a form, or the field that is wrong. */
export function buildRotaTemplate(
  id: string,
  form: RotaTemplateForm,
): { ok: true; template: RotaTemplate } | { ok: false; field: string; message: string } {
  const built = buildRule(form.recurrence);
  if (!built.ok) return built;
  const parsed = rotaTemplate.safeParse({
    id,
    name: form.name,
    kind: form.kind,
    rule: built.rule,
    startsOnLocal: built.startsOnLocal,
    durationMinutes: form.durationMinutes,
    minVolunteers: form.minVolunteers,
    maxVolunteers: form.maxVolunteers,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: String(issue.path[0] ?? "form"), message: issue.message };
  }
  return { ok: true, template: parsed.data };
}

/** Facilitator cover for a drop-in series: one slot per session, same times. */
export function coverTemplateForSeries(
  series: ScheduledSeries & { id: string },
  volunteers: { min: number; max: number } = { min: 1, max: 1 },
): RotaTemplate {
  return rotaTemplate.parse({
    id: `cover-${series.id}`.slice(0, 64),
    name: `Cover: ${series.title}`.slice(0, 60).replace(/[<>]/g, ""),
    kind: "facilitator-cover",
    rule: series.rule,
    startsOnLocal: series.startsOnLocal,
    durationMinutes: series.durationMinutes,
    minVolunteers: volunteers.min,
    maxVolunteers: volunteers.max,
    seriesId: series.id,
  });
}
