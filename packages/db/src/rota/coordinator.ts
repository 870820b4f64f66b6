import {
  autoFill,
  buildRotaTemplate,
  coverTemplateForSeries,
  describeRotaTemplate,
  expandBetween,
  firstName,
  isId,
  listGaps,
  can,
  refuse,
  type Actor,
  type Effect,
  type Refusal,
  type RotaGap,
  type RotaLimits,
  type RotaTemplateRequest,
} from "@offshift/core";
import { client, type ClientOrTx, type Db, type TxClient } from "../client.js";
import { loadRotaBoard, ROTA_DEFAULTS_KEY } from "./board.js";
import { loadEligibility } from "./eligibility.js";
import { materializeRotaSlots, ROTA_HORIZON_DAYS } from "./materialize.js";

/**
 * The coordinator's side of the rota: templates (create, edit future slots,
 * retire), default limits, the gap list, and auto-fill preview and apply.
 */

const DAY_MS = 86_400_000;

/** Only coordinators change the rota's shape; every use case below asks for itself. */
const NOT_A_COORDINATOR = "Only coordinators can change the rota.";
const forbidden = () => refuse("forbidden", NOT_A_COORDINATOR);
const templatesChanged: Effect[] = [{ kind: "rotaChanged", change: { slotIds: [], change: "template" } }];

/** A refused template: the field it is about (or "form") and its plain words. */
export type TemplateFieldError = Refusal<"invalid"> & { field: string };
const invalidField = (field: string, message: string): TemplateFieldError => ({
  ok: false,
  code: "invalid",
  field,
  message,
});

interface TemplateData {
  name: string;
  kind: "TALK_LINE" | "FACILITATOR_COVER";
  seriesId: string | null;
  rrule: string;
  startsOnLocal: string;
  timeZone: string;
  durationMinutes: number;
  minVolunteers: number;
  maxVolunteers: number;
}

/** The stored row for a request: the rule from the builder, or the cover series' own times. */
async function templateData(
  db: ClientOrTx,
  input: RotaTemplateRequest,
  timeZone: string,
  excludeTemplateId?: string,
): Promise<{ ok: true; data: TemplateData } | TemplateFieldError> {
  if (input.kind === "talk-line") {
    const built = buildRotaTemplate("new", input);
    if (!built.ok) return invalidField(built.field, built.message);
    const t = built.template;
    return {
      ok: true,
      data: {
        name: t.name,
        kind: "TALK_LINE",
        seriesId: null,
        rrule: t.rule,
        startsOnLocal: t.startsOnLocal,
        timeZone,
        durationMinutes: t.durationMinutes,
        minVolunteers: t.minVolunteers,
        maxVolunteers: t.maxVolunteers,
      },
    };
  }
  const series = await db.dropInSeries.findUnique({
    where: { id: input.seriesId },
    select: { id: true, title: true, rrule: true, startsOnLocal: true, timeZone: true, durationMinutes: true },
  });
  if (!series) return invalidField("seriesId", "That drop-in series no longer exists");
  const covering = await db.rotaTemplate.findFirst({
    where: {
      seriesId: series.id,
      active: true,
      ...(excludeTemplateId ? { id: { not: excludeTemplateId } } : {}),
    },
    select: { name: true },
  });
  if (covering) return invalidField("seriesId", `“${covering.name}” already covers that series`);
  const t = coverTemplateForSeries(
    {
      id: series.id,
      title: series.title,
      rule: series.rrule,
      startsOnLocal: series.startsOnLocal,
      timeZone: series.timeZone,
      durationMinutes: series.durationMinutes,
    },
    { min: input.minVolunteers, max: input.maxVolunteers },
  );
  return {
    ok: true,
    data: {
      name: input.name ?? t.name,
      kind: "FACILITATOR_COVER",
      seriesId: series.id,
      rrule: t.rule,
      startsOnLocal: t.startsOnLocal,
      timeZone: series.timeZone,
      durationMinutes: t.durationMinutes,
      minVolunteers: t.minVolunteers,
      maxVolunteers: t.maxVolunteers,
    },
  };
}

export type CreateRotaTemplateResult =
  { ok: true; templateId: string; slots: number; effects: Effect[] } | TemplateFieldError | Refusal<"forbidden">;

/** A new template, with its slots materialised for the rolling horizon. Bad input saves nothing. */
export async function createRotaTemplate(
  handle: Db,
  actor: Actor,
  input: { template: RotaTemplateRequest; timeZone: string; now: Date },
): Promise<CreateRotaTemplateResult> {
  const db = client(handle);
  if (!can(actor, "rota.manage")) return forbidden();
  return db.$transaction(
    async (tx) => {
      // One cover template per series, even when two coordinators add one at once.
      if (input.template.kind === "facilitator-cover")
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota-cover:${input.template.seriesId}`}))`;
      const resolved = await templateData(tx, input.template, input.timeZone);
      if (!resolved.ok) return resolved;
      const created = await tx.rotaTemplate.create({ data: resolved.data, select: { id: true } });
      const slots = await materializeRotaSlots(tx, created.id, input.now);
      return { ok: true, templateId: created.id, slots, effects: templatesChanged } as const;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

export type UpdateRotaTemplateResult =
  | {
      ok: true;
      templateId: string;
      /** New slots made. */
      added: number;
      /** Future slots the new rule no longer makes, removed (nobody was on them). */
      removed: number;
      /** Future slots the new rule no longer makes but someone is on: kept as they were. */
      keptWithVolunteers: number;
      effects: Effect[];
    }
  | TemplateFieldError
  | Refusal<"not_found" | "retired" | "forbidden">;

const TEMPLATE_NOT_FOUND = "That rota template could not be found.";
const notFound = () => refuse("not_found", TEMPLATE_NOT_FOUND);

interface LockedSlot {
  id: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * Edits a template. Slots that have started stay as they were. Future slots
 * the new rule still makes take its new length; future slots it no longer
 * makes are removed unless someone is on them (those are kept, with their
 * volunteers, and counted in `keptWithVolunteers`); new slots are made for
 * the rolling horizon. The template and its future slots are locked for the
 * change, so a sign-up either lands before (and its slot is kept) or after.
 */
export async function updateRotaTemplate(
  handle: Db,
  actor: Actor,
  input: { templateId: string; template: RotaTemplateRequest; timeZone: string; now: Date },
): Promise<UpdateRotaTemplateResult> {
  const db = client(handle);
  if (!can(actor, "rota.manage")) return forbidden();
  if (!isId(input.templateId)) return notFound();
  const { now } = input;
  return db.$transaction(
    async (tx) => {
      if (input.template.kind === "facilitator-cover")
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota-cover:${input.template.seriesId}`}))`;
      const [current] = await tx.$queryRaw<{ id: string; active: boolean }[]>`
        SELECT "id", "active" FROM "RotaTemplate" WHERE "id" = ${input.templateId}::uuid FOR UPDATE`;
      if (!current) return notFound();
      if (!current.active) return refuse("retired", "That template has been retired; make a new one instead.");
      const resolved = await templateData(tx, input.template, input.timeZone, input.templateId);
      if (!resolved.ok) return resolved;
      const t = await tx.rotaTemplate.update({ where: { id: input.templateId }, data: resolved.data });

      const future = await tx.$queryRaw<LockedSlot[]>`
        SELECT "id", "startsAt", "endsAt" FROM "RotaSlot"
        WHERE "templateId" = ${t.id}::uuid AND "startsAt" > ${now}
        ORDER BY "startsAt" FOR UPDATE`;
      const taken = await slotsTaken(tx, future);
      const lastStart = Math.max(
        now.getTime() + ROTA_HORIZON_DAYS * DAY_MS,
        ...future.map((s) => s.startsAt.getTime() + 1),
      );
      const wanted = new Set(
        expandBetween(
          { rule: t.rrule, startsOnLocal: t.startsOnLocal, timeZone: t.timeZone },
          now,
          new Date(lastStart),
        ).map((o) => o.start.getTime()),
      );
      const stale = future.filter((s) => !wanted.has(s.startsAt.getTime()));
      const removable = stale.filter((s) => !taken.has(s.id)).map((s) => s.id);
      if (removable.length) await tx.rotaSlot.deleteMany({ where: { id: { in: removable } } });
      for (const s of future) {
        if (!wanted.has(s.startsAt.getTime())) continue;
        const endsAt = new Date(s.startsAt.getTime() + t.durationMinutes * 60_000);
        if (endsAt.getTime() !== s.endsAt.getTime())
          await tx.rotaSlot.update({ where: { id: s.id }, data: { endsAt } });
      }
      const added = await materializeRotaSlots(tx, t.id, now);
      return {
        ok: true,
        templateId: t.id,
        added,
        removed: removable.length,
        keptWithVolunteers: stale.length - removable.length,
        effects: templatesChanged,
      } as const;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

export type RetireRotaTemplateResult =
  { ok: true; removed: number; keptWithVolunteers: number; effects: Effect[] } | Refusal<"not_found" | "forbidden">;

/**
 * Retires a template: it makes no new slots and its empty future slots go;
 * slots someone is on stay (they are still expected). Retiring twice is
 * harmless.
 */
export async function retireRotaTemplate(
  handle: Db,
  actor: Actor,
  input: { templateId: string; now: Date },
): Promise<RetireRotaTemplateResult> {
  const db = client(handle);
  if (!can(actor, "rota.manage")) return forbidden();
  if (!isId(input.templateId)) return notFound();
  return db.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "RotaTemplate" WHERE "id" = ${input.templateId}::uuid FOR UPDATE`;
    if (!current) return notFound();
    await tx.rotaTemplate.update({ where: { id: current.id }, data: { active: false } });
    const future = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "RotaSlot" WHERE "templateId" = ${current.id}::uuid AND "startsAt" > ${input.now}
      ORDER BY "startsAt" FOR UPDATE`;
    const taken = await slotsTaken(tx, future);
    const removable = future.filter((s) => !taken.has(s.id)).map((s) => s.id);
    if (removable.length) await tx.rotaSlot.deleteMany({ where: { id: { in: removable } } });
    return {
      ok: true,
      removed: removable.length,
      keptWithVolunteers: future.length - removable.length,
      effects: templatesChanged,
    } as const;
  });
}

export interface RotaTemplateRow {
  id: string;
  name: string;
  kind: "TALK_LINE" | "FACILITATOR_COVER";
  active: boolean;
  seriesId: string | null;
  seriesTitle: string | null;
  rrule: string;
  startsOnLocal: string;
  durationMinutes: number;
  minVolunteers: number;
  maxVolunteers: number;
  /** "Every day, 21:30 to 00:30", or null for a rule the builder did not write. */
  when: string | null;
  upcomingSlots: number;
}

/** Every template, active first, then by name. */
export async function listRotaTemplates(handle: Db, now: Date): Promise<RotaTemplateRow[]> {
  const db = client(handle);
  const rows = await db.rotaTemplate.findMany({
    orderBy: [{ active: "desc" }, { name: "asc" }],
    include: { _count: { select: { slots: { where: { startsAt: { gt: now } } } } } },
  });
  const seriesIds = rows.flatMap((r) => (r.seriesId ? [r.seriesId] : []));
  const series = new Map(
    (await db.dropInSeries.findMany({ where: { id: { in: seriesIds } }, select: { id: true, title: true } })).map(
      (s) => [s.id, s.title],
    ),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    active: r.active,
    seriesId: r.seriesId,
    seriesTitle: r.seriesId ? (series.get(r.seriesId) ?? null) : null,
    rrule: r.rrule,
    startsOnLocal: r.startsOnLocal,
    durationMinutes: r.durationMinutes,
    minVolunteers: r.minVolunteers,
    maxVolunteers: r.maxVolunteers,
    when: describeRotaTemplate({ rule: r.rrule, startsOnLocal: r.startsOnLocal, durationMinutes: r.durationMinutes }),
    upcomingSlots: r._count.slots,
  }));
}

export async function findRotaTemplate(handle: Db, templateId: string, now: Date): Promise<RotaTemplateRow | null> {
  const db = client(handle);
  if (!isId(templateId)) return null;
  return (await listRotaTemplates(db, now)).find((t) => t.id === templateId) ?? null;
}

/** Drop-in series a cover template can back. */
export async function listCoverableSeries(handle: Db): Promise<{ id: string; title: string }[]> {
  const db = client(handle);
  return db.dropInSeries.findMany({ select: { id: true, title: true }, orderBy: { title: "asc" } });
}

/** Stores the coordinator's default limits (already validated with core's rotaLimits). */
export async function saveRotaDefaults(
  handle: Db,
  actor: Actor,
  limits: RotaLimits,
): Promise<{ ok: true; effects: Effect[] } | Refusal<"forbidden">> {
  const db = client(handle);
  if (!can(actor, "rota.manage")) return forbidden();
  const value = JSON.stringify(limits);
  await db.appMeta.upsert({
    where: { key: ROTA_DEFAULTS_KEY },
    create: { key: ROTA_DEFAULTS_KEY, value },
    update: { value },
  });
  return { ok: true, effects: templatesChanged };
}

export interface SlotRef {
  /** Database slot id. */
  slotId: string;
  name: string;
  start: Date;
  end: Date;
}

export interface ProposalRow extends SlotRef {
  personId: string;
  firstName: string;
}

export interface GapRow extends SlotRef {
  filled: number;
  needed: number;
  reasons: { group: string; count: number }[];
  /** "3 volunteers working nights, 2 at weekly max". */
  summary: string;
}

function gapRows(gaps: RotaGap[], slotIds: Map<string, string>): GapRow[] {
  return gaps.flatMap((g) => {
    const slotId = slotIds.get(g.slotId);
    return slotId
      ? [
          {
            slotId,
            name: g.name,
            start: g.start,
            end: g.end,
            filled: g.filled,
            needed: g.needed,
            reasons: g.reasons,
            summary: g.summary,
          },
        ]
      : [];
  });
}

export interface RotaWindow {
  from: Date;
  to: Date;
  timeZone: string;
}

/** Slots in the window below their minimum, with everyone's main reason counted. */
export async function listRotaGaps(handle: Db, window: RotaWindow): Promise<GapRow[]> {
  const db = client(handle);
  if (window.to <= window.from) return [];
  const loaded = await loadRotaBoard(db, window);
  return gapRows(listGaps(loaded.board, { candidates: loaded.withPattern }), loaded.slotIds);
}

export interface AutoFillPreview {
  proposals: ProposalRow[];
  /** Gaps that would remain after the proposals. */
  gaps: GapRow[];
}

/**
 * What auto-fill would do in the window, changing nothing. Only volunteers
 * who have saved a work pattern are proposed (the engine cannot know when
 * the others work); only materialised slots are filled.
 */
export async function previewAutoFill(handle: Db, window: RotaWindow): Promise<AutoFillPreview> {
  const db = client(handle);
  if (window.to <= window.from) return { proposals: [], gaps: [] };
  const loaded = await loadRotaBoard(db, window);
  const result = autoFill(loaded.board, { candidates: loaded.withPattern });
  const slotsById = new Map(loaded.board.slots.map((s) => [s.id, s]));
  const proposals = result.proposals.filter((p) => loaded.slotIds.has(p.slotId));
  const people = new Map(
    (
      await db.person.findMany({
        where: { id: { in: [...new Set(proposals.map((p) => p.volunteerId))] } },
        select: { id: true, displayName: true },
      })
    ).map((p) => [p.id, firstName(p.displayName)]),
  );
  return {
    proposals: proposals.map((p) => {
      const slot = slotsById.get(p.slotId)!;
      return {
        slotId: loaded.slotIds.get(p.slotId)!,
        name: slot.name,
        start: slot.start,
        end: slot.end,
        personId: p.volunteerId,
        firstName: people.get(p.volunteerId) ?? "",
      };
    }),
    gaps: gapRows(result.gaps, loaded.slotIds),
  };
}

export interface ApplyAutoFillResult {
  applied: number;
  /** The slot reached its minimum (a sign-up came first) or the person is already on it. */
  justFilled: number;
  /** The slot has started, gone or been retired, or the person can no longer take it. */
  noLongerFits: number;
  /** Slots that gained someone. */
  slotIds: string[];
}

interface LockedTemplateSlot {
  id: string;
  startsAt: Date;
  active: boolean;
  minVolunteers: number;
  maxVolunteers: number;
}

/**
 * Applies previewed proposals. Each slot is settled in its own transaction
 * with its row locked (`FOR UPDATE`), so sign-ups and other applies on it
 * wait: its current volunteers are counted, and each proposed person is
 * checked again against the database as it is now (their pattern, limits
 * and other slots, under the same per-volunteer lock a sign-up takes). A proposal is skipped when the
 * slot has already reached its minimum, would go over its maximum, or the
 * person no longer fits. Applying the same proposals twice adds nothing.
 */
export async function applyAutoFill(
  handle: Db,
  actor: Actor,
  input: { proposals: { slotId: string; personId: string }[]; timeZone: string; now: Date },
): Promise<({ ok: true; effects: Effect[] } & ApplyAutoFillResult) | Refusal<"forbidden">> {
  const db = client(handle);
  if (!can(actor, "rota.manage")) return forbidden();
  const result: ApplyAutoFillResult = { applied: 0, justFilled: 0, noLongerFits: 0, slotIds: [] };
  const bySlot = new Map<string, string[]>();
  for (const p of input.proposals) {
    if (!isId(p.slotId) || !isId(p.personId)) {
      result.noLongerFits++;
      continue;
    }
    const people = bySlot.get(p.slotId) ?? [];
    if (!people.includes(p.personId)) people.push(p.personId);
    bySlot.set(p.slotId, people);
  }
  for (const [slotId, people] of [...bySlot].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const outcome = await db.$transaction(
      async (tx) => {
        const o = { applied: 0, justFilled: 0, noLongerFits: 0 };
        // Person locks first, then the slot: the same order as a volunteer's sign-up, so the two never deadlock.
        for (const personId of [...people].sort())
          await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota:volunteer:${personId}`}))`;
        const [slot] = await tx.$queryRaw<LockedTemplateSlot[]>`
          SELECT s."id", s."startsAt", t."active", t."minVolunteers", t."maxVolunteers"
          FROM "RotaSlot" s JOIN "RotaTemplate" t ON t."id" = s."templateId"
          WHERE s."id" = ${slotId}::uuid
          FOR UPDATE OF s`;
        if (!slot || !slot.active || slot.startsAt <= input.now) {
          o.noLongerFits += people.length;
          return o;
        }
        const onIt = new Set(
          (await tx.rotaAssignment.findMany({ where: { slotId }, select: { personId: true } })).map((a) => a.personId),
        );
        const target = Math.min(Math.max(slot.minVolunteers, 1), slot.maxVolunteers);
        for (const personId of people) {
          if (onIt.has(personId) || onIt.size >= target) {
            o.justFilled++;
            continue;
          }
          if (!(await fits(tx, personId, slotId, slot.startsAt, input.timeZone))) {
            o.noLongerFits++;
            continue;
          }
          const { count } = await tx.rotaAssignment.createMany({
            data: [{ slotId, personId, source: "AUTOFILL" }],
            skipDuplicates: true,
          });
          if (count === 1) {
            onIt.add(personId);
            o.applied++;
          } else o.justFilled++;
        }
        return o;
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
    result.applied += outcome.applied;
    result.justFilled += outcome.justFilled;
    result.noLongerFits += outcome.noLongerFits;
    if (outcome.applied > 0) result.slotIds.push(slotId);
  }
  const effects: Effect[] = result.slotIds.length
    ? [{ kind: "rotaChanged", change: { slotIds: result.slotIds, change: "autofill" } }]
    : [];
  return { ok: true, ...result, effects };
}

/**
 * Whether the person may take the slot now: approved, with a saved pattern
 * (auto-fill places nobody whose working hours it cannot see), and breaking
 * no rule, by the same loader as a sign-up (eligibility.ts).
 */
async function fits(
  tx: ClientOrTx,
  personId: string,
  slotId: string,
  startsAt: Date,
  timeZone: string,
): Promise<boolean> {
  const loaded = await loadEligibility(tx, { volunteerIds: [personId], slots: [{ startsAt }], timeZone });
  return loaded.hasWorkPattern(personId) && (loaded.verdict(personId, slotId)?.eligible ?? false);
}

/** Which of these slots someone holds (kept when a template changes or retires; the rest can go). */
async function slotsTaken(tx: TxClient, slots: readonly { id: string }[]): Promise<Set<string>> {
  const held = await tx.rotaAssignment.findMany({
    where: { slotId: { in: slots.map((s) => s.id) } },
    select: { slotId: true },
  });
  return new Set(held.map((a) => a.slotId));
}
