import { z } from "zod";

/**
 * The themes a facilitator or volunteer may tick after a session: a list
 * coordinators keep, seeded with what workers raise most. A tick says only
 * "this came up"; there is no free text about anyone.
 */
export const SEED_THEMES = [
  "Unpaid travel time",
  "Rota changes at short notice",
  "Zero-hours insecurity",
  "Lone working at night",
  "Violence or abuse from clients or families",
  "Bereavement",
  "Moving and handling without a second carer",
  "Visa and sponsorship worries",
  "Training",
  "Pay",
  "Wanting to leave the sector",
  "What helped",
] as const;

export const THEME_LABEL_MAX = 60;

export const themeLabelSchema = z
  .string({ error: "Write the theme's name." })
  .transform((s) => s.trim().replace(/\s+/g, " "))
  .pipe(
    z
      .string()
      .min(3, "A theme's name needs at least 3 characters.")
      .max(THEME_LABEL_MAX, `A theme's name can be at most ${THEME_LABEL_MAX} characters.`),
  );

/** Same theme whatever the case or spacing: "Pay" and " pay " are one theme. */
export const themeKey = (label: string) => label.trim().replace(/\s+/g, " ").toLocaleLowerCase("en-GB");

export interface ThemeRef {
  id: string;
  label: string;
  active: boolean;
}

export type ThemeRefusal = { ok: false; code: "duplicate_theme" | "unknown_theme"; message: string };

/** A new or renamed theme must not read the same as another one on the list (retired ones included). */
export function checkThemeLabel(
  label: string,
  existing: readonly ThemeRef[],
  renamingId?: string,
): { ok: true } | ThemeRefusal {
  const clash = existing.find((t) => t.id !== renamingId && themeKey(t.label) === themeKey(label));
  if (clash)
    return {
      ok: false,
      code: "duplicate_theme",
      message: clash.active
        ? `"${clash.label}" is already on the list.`
        : `"${clash.label}" is already on the list but retired: bring it back instead.`,
    };
  return { ok: true };
}

export const themeTicksSchema = z
  .array(z.uuid({ error: "That theme is not on the list." }), { error: "Choose the themes that came up." })
  .max(40, "Too many themes.")
  // One tick per theme per session: a repeated id is the same tick.
  .transform((ids) => [...new Set(ids)]);

/** Every ticked theme must be on the list and in use; nothing is stored otherwise. */
export function checkThemeTicks(themeIds: readonly string[], themes: readonly ThemeRef[]): { ok: true } | ThemeRefusal {
  const active = new Set(themes.filter((t) => t.active).map((t) => t.id));
  const unknown = themeIds.filter((id) => !active.has(id));
  if (unknown.length > 0)
    return {
      ok: false,
      code: "unknown_theme",
      message:
        unknown.length === 1
          ? "One of the themes you ticked is not on the list any more. Reload the page and tick again."
          : "Some of the themes you ticked are not on the list any more. Reload the page and tick again.",
    };
  return { ok: true };
}
