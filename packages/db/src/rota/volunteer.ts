import {
  DEFAULT_LIMITS,
  SHIFT_PRESETS,
  DomainError,
  buildWorkPattern,
  builderFromWorkPattern,
  checkEligibility,
  dropNotice,
  firstName,
  heldSlotClashes,
  shiftTemplate,
  volunteerPreferences,
  workPatternRules,
  type RotaLimits,
  type ShiftTemplate,
  type VolunteerPreferences,
  type WorkPatternBuilder,
} from "@offshift/core";
import { client, type ClientOrTx, type Db } from "../client.js";
import { loadRotaBoard, loadRotaDefaults } from "./board.js";
import { ROTA_HORIZON_DAYS } from "./materialize.js";

const DAY_MS = 86_400_000;

/** Same lock as sign-ups: a pattern change never interleaves with a sign-up's eligibility check. */
async function lockVolunteer(tx: ClientOrTx, personId: string): Promise<void> {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota:volunteer:${personId}`}))`;
}

export interface VolunteerRotaSettings {
  /** Their shift templates, or the presets if they have none yet. */
  shifts: ShiftTemplate[];
  /** Their pattern in the builder's shape, or null (not set, or not made by the builder). */
  builder: WorkPatternBuilder | null;
  preferences: VolunteerPreferences;
  /** What applies where they leave a limit blank. */
  defaults: RotaLimits;
}

/** What the work-pattern and preferences forms start from. */
export async function loadVolunteerRotaSettings(handle: Db, personId: string): Promise<VolunteerRotaSettings> {
  const db = client(handle);
  const [row, defaults] = await Promise.all([
    db.volunteerRota.findUnique({ where: { personId } }),
    loadRotaDefaults(db),
  ]);
  const shifts = shiftTemplate.array().safeParse(row?.shifts ?? []);
  const pattern = workPatternRules.safeParse(row?.pattern ?? null);
  const prefs = volunteerPreferences.safeParse(row?.preferences ?? {});
  let builder: WorkPatternBuilder | null = null;
  if (pattern.success) {
    try {
      builder = builderFromWorkPattern(pattern.data);
    } catch {
      builder = null;
    }
  }
  return {
    shifts: shifts.success && shifts.data.length > 0 ? shifts.data : [...SHIFT_PRESETS],
    builder,
    preferences: prefs.success ? prefs.data : { windows: [] },
    defaults: { ...DEFAULT_LIMITS, ...defaults },
  };
}

export type SaveWorkPatternResult =
  { ok: true } | { ok: false; issues: { path: (string | number)[]; message: string }[] };

/**
 * Store a volunteer's shift templates and work pattern (as RRULE sets from
 * the builder). Input is already parsed with core's schemas; buildWorkPattern
 * checks the cross-references again, and nothing is saved if it objects.
 */
export async function saveWorkPattern(
  handle: Db,
  input: { personId: string; shifts: ShiftTemplate[]; builder: WorkPatternBuilder },
): Promise<SaveWorkPatternResult> {
  const db = client(handle);
  let pattern;
  try {
    pattern = buildWorkPattern(input.builder, input.shifts);
  } catch (err) {
    if (err instanceof DomainError && err.code === "INVALID")
      return { ok: false, issues: (err.details?.issues as { path: (string | number)[]; message: string }[]) ?? [] };
    throw err;
  }
  const data = { shifts: input.shifts as unknown as object, pattern: pattern as unknown as object };
  await db.$transaction(async (tx) => {
    await lockVolunteer(tx, input.personId);
    await tx.volunteerRota.upsert({
      where: { personId: input.personId },
      create: { personId: input.personId, ...data },
      update: data,
    });
  });
  return { ok: true };
}

/** Store a volunteer's preferences and limits (already parsed with core's schema). */
export async function savePreferences(
  handle: Db,
  input: { personId: string; preferences: VolunteerPreferences },
): Promise<void> {
  const db = client(handle);
  const preferences = volunteerPreferences.parse(input.preferences) as unknown as object;
  await db.$transaction(async (tx) => {
    await lockVolunteer(tx, input.personId);
    await tx.volunteerRota.upsert({
      where: { personId: input.personId },
      create: { personId: input.personId, preferences },
      update: { preferences },
    });
  });
}

export interface VolunteerSlotView {
  id: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  filled: number;
  max: number;
  placesLeft: number;
  mine: boolean;
  fits: boolean;
  /** Why it does not fit, in the engine's words ("working a night until 07:00"). */
  reasons: string[];
  /** Theirs, but it no longer fits ("It clashes with your late, 14:00–22:00."); [] otherwise. */
  clashes: string[];
}

export interface MyShiftView {
  slotId: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  /** Dropping is allowed (outside the notice period). */
  canDrop: boolean;
  dropRefusal: string | null;
  openOfferId: string | null;
  /** Why it no longer fits around their work (after they changed it), or []. */
  clashes: string[];
}

export interface CoverOfferView {
  offerId: string;
  slotId: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  fromFirstName: string;
}

export interface VolunteerRotaView {
  slots: VolunteerSlotView[];
  myShifts: MyShiftView[];
  /** Open cover requests from others for slots this volunteer may take. */
  offers: CoverOfferView[];
  hasPattern: boolean;
  feedOn: boolean;
}

/**
 * The volunteer's rota page: slots in the next `days` days, each with places
 * left (from the database, across all volunteers) and whether it fits around
 * their shifts (from the engine); their own shifts; and the cover requests
 * they are eligible to take.
 */
export async function volunteerRotaView(
  handle: Db,
  input: { personId: string; now: Date; timeZone: string; days: number },
): Promise<VolunteerRotaView> {
  const db = client(handle);
  const to = new Date(input.now.getTime() + input.days * DAY_MS);
  const horizon = new Date(input.now.getTime() + Math.max(input.days, ROTA_HORIZON_DAYS + 7) * DAY_MS);
  const [loaded, slots, mine, offers, row] = await Promise.all([
    loadRotaBoard(db, { from: input.now, to: horizon, timeZone: input.timeZone, volunteerIds: [input.personId] }),
    db.rotaSlot.findMany({
      where: { startsAt: { gt: input.now, lt: to }, template: { active: true } },
      orderBy: [{ startsAt: "asc" }, { templateId: "asc" }],
      select: {
        id: true,
        startsAt: true,
        endsAt: true,
        template: { select: { name: true, maxVolunteers: true } },
        _count: { select: { assignments: true } },
        assignments: { where: { personId: input.personId }, select: { personId: true } },
      },
    }),
    db.rotaAssignment.findMany({
      where: { personId: input.personId, slot: { endsAt: { gt: input.now } } },
      orderBy: { slot: { startsAt: "asc" } },
      select: {
        slot: {
          select: {
            id: true,
            startsAt: true,
            endsAt: true,
            template: { select: { name: true } },
            swapOffers: { where: { fromId: input.personId, status: "OPEN" }, select: { id: true } },
          },
        },
      },
    }),
    db.rotaSwapOffer.findMany({
      where: { status: "OPEN", fromId: { not: input.personId }, slot: { startsAt: { gt: input.now } } },
      orderBy: [{ slot: { startsAt: "asc" } }, { createdAt: "asc" }],
      select: {
        id: true,
        slot: { select: { id: true, startsAt: true, endsAt: true, template: { select: { name: true } } } },
        from: { select: { displayName: true } },
      },
    }),
    db.volunteerRota.findUnique({ where: { personId: input.personId }, select: { feedTokenHash: true } }),
  ]);
  const onBoard = loaded.board.volunteerIds.includes(input.personId);
  const verdict = (slotId: string) => {
    const engineId = loaded.engineIds.get(slotId);
    if (!engineId || !onBoard) return { eligible: false as const, reasons: ["not on the rota any more"] };
    const e = checkEligibility(loaded.board, input.personId, engineId);
    return e.eligible
      ? { eligible: true as const, reasons: [] }
      : { eligible: false as const, reasons: e.reasons.map((r) => r.message) };
  };
  // Slots they hold, asked again against their work as it is now.
  const clashes = (slotId: string): string[] => {
    const engineId = loaded.engineIds.get(slotId);
    if (!engineId || !onBoard) return [];
    return heldSlotClashes(loaded.board, input.personId, engineId).map((r) => r.message);
  };
  return {
    slots: slots.map((s) => {
      const isMine = s.assignments.length > 0;
      const v = isMine ? { eligible: false, reasons: [] } : verdict(s.id);
      return {
        id: s.id,
        name: s.template.name,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        filled: s._count.assignments,
        max: s.template.maxVolunteers,
        placesLeft: Math.max(0, s.template.maxVolunteers - s._count.assignments),
        mine: isMine,
        fits: v.eligible,
        reasons: v.reasons,
        clashes: isMine ? clashes(s.id) : [],
      };
    }),
    myShifts: mine.map(({ slot }) => {
      const notice = dropNotice(slot.startsAt, input.now);
      return {
        slotId: slot.id,
        name: slot.template.name,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        canDrop: notice.ok,
        dropRefusal: notice.ok ? null : notice.message,
        openOfferId: slot.swapOffers[0]?.id ?? null,
        clashes: clashes(slot.id),
      };
    }),
    offers: offers
      .filter((o) => verdict(o.slot.id).eligible)
      .map((o) => ({
        offerId: o.id,
        slotId: o.slot.id,
        name: o.slot.template.name,
        startsAt: o.slot.startsAt,
        endsAt: o.slot.endsAt,
        fromFirstName: firstName(o.from.displayName),
      })),
    hasPattern: loaded.withPattern.has(input.personId),
    feedOn: Boolean(row?.feedTokenHash),
  };
}
