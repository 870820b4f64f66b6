import {
  ELIGIBILITY_REACH_MS,
  prepareRota,
  rotaLimits,
  volunteerPreferences,
  workPatternRules,
  shiftTemplate,
  type RotaBoard,
  type RotaLimits,
  type RotaVolunteer,
} from "@offshift/core";
import { client, type DbOrTx } from "../client.js";

/** Where the coordinator's default limits live (AppMeta, JSON). */
export const ROTA_DEFAULTS_KEY = "rota.defaults";

/** The coordinator's defaults, or {} (core's DEFAULT_LIMITS apply). Bad stored JSON never breaks the rota. */
export async function loadRotaDefaults(handle: DbOrTx): Promise<Partial<RotaLimits>> {
  const db = client(handle);
  const row = await db.appMeta.findUnique({ where: { key: ROTA_DEFAULTS_KEY } });
  if (!row) return {};
  try {
    const parsed = rotaLimits.partial().safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** An empty pattern: someone who has not said when they work (only they can sign themselves up). */
const noPattern = (from: Date) => ({
  cycleStartsOn: from.toISOString().slice(0, 10),
  everyWeeks: 1,
  sets: [],
});

export interface LoadedRotaBoard {
  board: RotaBoard;
  /** Engine slot id (`templateId@ISO`) -> database slot id, for slots materialised in the window. */
  slotIds: Map<string, string>;
  /** Database slot id -> engine slot id. */
  engineIds: Map<string, string>;
  /** Volunteers who have saved a work pattern (only they are auto-filled). */
  withPattern: Set<string>;
}

/**
 * The rota as core's engine sees it, read from the database: active
 * templates, approved volunteers (their shifts, pattern and preferences),
 * the coordinator's defaults, and every assignment from ELIGIBILITY_REACH_MS
 * before the window (so weekly limits and late-night runs see across its
 * start, as far as the engine looks; a week is not enough across a clock change).
 *
 * `volunteerIds` narrows the volunteers (e.g. one person checking what fits);
 * others' assignments still fill slots.
 */
export async function loadRotaBoard(
  handle: DbOrTx,
  input: { from: Date; to: Date; timeZone: string; volunteerIds?: string[] },
): Promise<LoadedRotaBoard> {
  const db = client(handle);
  const [templates, people, defaults] = await Promise.all([
    db.rotaTemplate.findMany({ where: { active: true }, orderBy: { id: "asc" } }),
    db.person.findMany({
      where: {
        status: "APPROVED",
        erasedAt: null,
        roles: { has: "VOLUNTEER" },
        ...(input.volunteerIds ? { id: { in: input.volunteerIds } } : {}),
      },
      select: { id: true, volunteerRota: true },
      orderBy: { id: "asc" },
    }),
    loadRotaDefaults(db),
  ]);
  const templateIds = new Set(templates.map((t) => t.id));
  const volunteers: RotaVolunteer[] = [];
  const withPattern = new Set<string>();
  for (const p of people) {
    const shifts = shiftTemplate.array().safeParse(p.volunteerRota?.shifts ?? []);
    const pattern = workPatternRules.safeParse(p.volunteerRota?.pattern ?? null);
    const prefs = volunteerPreferences.safeParse(p.volunteerRota?.preferences ?? {});
    const usable = shifts.success && pattern.success;
    if (usable) withPattern.add(p.id);
    volunteers.push({
      id: p.id,
      shifts: usable ? shifts.data : [],
      pattern: usable ? pattern.data : noPattern(input.from),
      preferences: prefs.success ? prefs.data : { windows: [] },
      facilitating: [],
    });
  }
  const volunteerIds = new Set(volunteers.map((v) => v.id));
  // Drop-ins a volunteer runs (handed to them, or their series' own) are busy time on the rota.
  const ids = [...volunteerIds];
  const dropIns = await db.dropInOccurrence.findMany({
    where: {
      status: "SCHEDULED",
      startsAt: { lt: input.to },
      endsAt: { gt: input.from },
      OR: [{ facilitatorId: { in: ids } }, { facilitatorId: null, series: { facilitatorId: { in: ids } } }],
    },
    select: {
      title: true,
      startsAt: true,
      endsAt: true,
      facilitatorId: true,
      series: { select: { facilitatorId: true } },
    },
  });
  for (const v of volunteers)
    v.facilitating = dropIns
      .filter((d) => (d.facilitatorId ?? d.series.facilitatorId) === v.id)
      .map((d) => ({ title: d.title, start: d.startsAt, end: d.endsAt }));
  const [slots, assignments] = await Promise.all([
    db.rotaSlot.findMany({
      where: { templateId: { in: [...templateIds] }, startsAt: { gte: input.from, lt: input.to } },
      select: { id: true, templateId: true, startsAt: true },
    }),
    db.rotaAssignment.findMany({
      where: {
        slot: {
          templateId: { in: [...templateIds] },
          startsAt: { gte: new Date(input.from.getTime() - ELIGIBILITY_REACH_MS), lt: input.to },
        },
      },
      select: { personId: true, slot: { select: { templateId: true, startsAt: true } } },
    }),
  ]);
  const board = prepareRota({
    timeZone: input.timeZone,
    from: input.from,
    to: input.to,
    templates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      kind: t.kind === "FACILITATOR_COVER" ? "facilitator-cover" : "talk-line",
      rule: t.rrule,
      startsOnLocal: t.startsOnLocal,
      durationMinutes: t.durationMinutes,
      minVolunteers: t.minVolunteers,
      maxVolunteers: t.maxVolunteers,
      ...(t.seriesId ? { seriesId: t.seriesId } : {}),
    })),
    volunteers,
    defaults,
    // Only the volunteers on this board; others' places are counted through slot capacity by the caller.
    assignments: assignments
      .filter((a) => volunteerIds.has(a.personId))
      .map((a) => ({ volunteerId: a.personId, templateId: a.slot.templateId, start: a.slot.startsAt })),
  });
  const slotIds = new Map<string, string>();
  const engineIds = new Map<string, string>();
  for (const s of slots) {
    const key = `${s.templateId}@${s.startsAt.toISOString()}`;
    slotIds.set(key, s.id);
    engineIds.set(s.id, key);
  }
  return { board, slotIds, engineIds, withPattern };
}
