import { beforeAll, describe, expect, it } from "vitest";
import {
  buildWorkPattern,
  rotaTemplateRequest,
  SHIFT_PRESETS,
  type RotaTemplateRequestInput,
  wallTimeAt,
  type Weekday,
} from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { loadRotaDefaults } from "./board.js";
import {
  applyAutoFill,
  createRotaTemplate,
  listRotaGaps,
  previewAutoFill,
  retireRotaTemplate,
  saveRotaDefaults,
  updateRotaTemplate,
} from "./coordinator.js";
import { extendRotaHorizon } from "./materialize.js";
import { listRotaWeek } from "./week.js";
import {
  COORDINATOR,
  TEMPLATES_CHANGED,
  apply,
  approvedVolunteer,
  createApprovedVolunteer,
} from "./moves.test-support.js";

let db: TestPrisma;
let other: TestPrisma;

const LONDON = "Europe/London";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const database = useTestDatabase("rotacoord");

beforeAll(async () => {
  db = database.client();
  other = database.client();
});

let n = 0;
/** An approved volunteer with a saved work pattern (none: free every day). */
async function volunteer(name: string, works: { days: Weekday[]; shiftId: string }[] = []) {
  const p = await createApprovedVolunteer(db, name);
  const shifts = [...SHIFT_PRESETS];
  const pattern = buildWorkPattern(
    {
      cycleStartsOn: "2030-03-04",
      everyWeeks: 1,
      shifts: works.flatMap((w) => w.days.map((day) => ({ week: 1, day, shiftId: w.shiftId }))),
      changes: [],
    },
    shifts,
  );
  await db.volunteerRota.create({
    data: { personId: p.id, shifts: shifts as unknown as object, pattern: pattern as unknown as object },
  });
  return p;
}

const talkLine = (over: Partial<Record<string, unknown>> = {}, recurrence: Record<string, unknown> = {}) =>
  rotaTemplateRequest.parse({
    kind: "talk-line",
    name: `Talk line ${++n}`,
    recurrence: {
      pattern: "weekly",
      days: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
      everyWeeks: 1,
      startsOn: "2030-03-04",
      time: "21:30",
      ends: { kind: "never" },
      ...recurrence,
    },
    durationMinutes: 180,
    minVolunteers: 1,
    maxVolunteers: 2,
    ...over,
  } as RotaTemplateRequestInput);

/** Monday 4 March 2030, 12:00 in London (GMT). */
const NOW = new Date("2030-03-04T12:00:00Z");

async function created(template = talkLine(), now = NOW) {
  const r = await createRotaTemplate(db, COORDINATOR, { template, timeZone: LONDON, now });
  if (!r.ok) throw new Error(r.message);
  return r;
}

/** Keeps only this test's templates on the board. */
async function onlyActive(ids: string[]) {
  await db.rotaTemplate.updateMany({ where: { id: { notIn: ids } }, data: { active: false } });
}

describe("rota templates", () => {
  it("creates a template with 28 days of slots; bad input saves nothing", async () => {
    const before = await db.rotaTemplate.count();
    const r = await created();
    expect(r.slots).toBe(28);
    const t = await db.rotaTemplate.findUniqueOrThrow({ where: { id: r.templateId } });
    expect(t).toMatchObject({
      kind: "TALK_LINE",
      rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
      startsOnLocal: "2030-03-04T21:30:00",
      timeZone: LONDON,
      active: true,
    });
    const first = await db.rotaSlot.findFirstOrThrow({ where: { templateId: t.id }, orderBy: { startsAt: "asc" } });
    expect(first.startsAt.toISOString()).toBe("2030-03-04T21:30:00.000Z");
    expect(first.endsAt.toISOString()).toBe("2030-03-05T00:30:00.000Z");

    // Bad input is refused by the schema before any use case runs.
    for (const bad of [
      { minVolunteers: 3, maxVolunteers: 2 },
      { name: "<img src=x onerror=alert(1)>" },
      { maxVolunteers: 0 },
      { durationMinutes: 1e9 },
    ])
      expect(rotaTemplateRequest.safeParse({ ...talkLine(), ...bad }).success).toBe(false);
    // What only the use case can see: a date that does not exist, an end before the start, an unknown series.
    expect(
      await createRotaTemplate(db, COORDINATOR, {
        template: talkLine({}, { startsOn: "2030-02-30" }),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual({ ok: false, code: "invalid", field: "startsOn", message: "That date does not exist" });
    expect(
      await createRotaTemplate(db, COORDINATOR, {
        template: talkLine({}, { ends: { kind: "until", until: "2030-01-01" } }),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual({ ok: false, code: "invalid", field: "until", message: "The end date is before the start date" });
    expect(
      await createRotaTemplate(db, COORDINATOR, {
        template: rotaTemplateRequest.parse({
          kind: "facilitator-cover",
          seriesId: "00000000-0000-4000-8000-000000000000",
          minVolunteers: 1,
          maxVolunteers: 1,
        }),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual({ ok: false, code: "invalid", field: "seriesId", message: "That drop-in series no longer exists" });
    expect(await db.rotaTemplate.count()).toBe(before + 1);
    expect(
      await updateRotaTemplate(db, COORDINATOR, {
        templateId: "nope",
        template: talkLine(),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual({ ok: false, code: "not_found", message: "That rota template could not be found." });
    expect(
      await updateRotaTemplate(db, COORDINATOR, {
        templateId: "00000000-0000-4000-8000-000000000000",
        template: talkLine(),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual({ ok: false, code: "not_found", message: "That rota template could not be found." });
    expect(
      await retireRotaTemplate(db, COORDINATOR, { templateId: "00000000-0000-4000-8000-000000000000", now: NOW }),
    ).toEqual({
      ok: false,
      code: "not_found",
      message: "That rota template could not be found.",
    });
  });

  it("facilitator cover takes the series' times; one cover template per series", async () => {
    const f = await db.person.create({ data: { displayName: "Rosa F", roles: ["FACILITATOR"], status: "APPROVED" } });
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "After a death",
        description: "x",
        capacity: 8,
        durationMinutes: 60,
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TU",
        startsOnLocal: "2030-03-05T22:00:00",
        facilitatorId: f.id,
      },
    });
    const cover = rotaTemplateRequest.parse({
      kind: "facilitator-cover",
      seriesId: series.id,
      minVolunteers: 1,
      maxVolunteers: 1,
    });
    const r = await created(cover);
    expect(r.slots).toBe(4);
    expect(await db.rotaTemplate.findUniqueOrThrow({ where: { id: r.templateId } })).toMatchObject({
      name: "Cover: After a death",
      kind: "FACILITATOR_COVER",
      seriesId: series.id,
      rrule: series.rrule,
      startsOnLocal: series.startsOnLocal,
      durationMinutes: 60,
    });
    expect(await createRotaTemplate(db, COORDINATOR, { template: cover, timeZone: LONDON, now: NOW })).toEqual({
      ok: false,
      code: "invalid",
      field: "seriesId",
      message: "“Cover: After a death” already covers that series",
    });
    // Editing the cover template itself is not a clash with itself.
    expect(
      await updateRotaTemplate(db, COORDINATOR, {
        templateId: r.templateId,
        template: { ...cover, maxVolunteers: 2 },
        timeZone: LONDON,
        now: NOW,
      }),
    ).toMatchObject({ ok: true, added: 0, removed: 0 });
  });

  it("edits change future slots only, keep slots someone is on, and refresh their length", async () => {
    const { templateId } = await created();
    const maria = await volunteer("Maria");
    const later = new Date(NOW.getTime() + 3 * DAY); // Thursday 7 March
    const saturday = await db.rotaSlot.findFirstOrThrow({
      where: { templateId, startsAt: new Date("2030-03-09T21:30:00Z") },
    });
    await db.rotaAssignment.create({ data: { slotId: saturday.id, personId: maria.id } });
    const before = await db.rotaSlot.findMany({ where: { templateId }, orderBy: { startsAt: "asc" } });

    // Weekdays only, at 22:00, for two hours.
    const r = await updateRotaTemplate(db, COORDINATOR, {
      templateId,
      template: talkLine({ durationMinutes: 120 }, { days: ["MO", "TU", "WE", "TH", "FR"], time: "22:00" }),
      timeZone: LONDON,
      now: later,
    });
    expect(r).toMatchObject({ ok: true, removed: before.filter((s) => s.startsAt > later).length - 1 });
    expect(r).toMatchObject({ keptWithVolunteers: 1 });
    const after = await db.rotaSlot.findMany({ where: { templateId }, orderBy: { startsAt: "asc" } });
    // Slots that started before the edit are untouched.
    const past = before.filter((s) => s.startsAt <= later);
    expect(after.filter((s) => s.startsAt <= later)).toEqual(past);
    // Maria's Saturday slot is still there, with her on it, as it was.
    expect(after.find((s) => s.id === saturday.id)).toEqual(saturday);
    expect(await db.rotaAssignment.count({ where: { slotId: saturday.id } })).toBe(1);
    // Every other future slot is a weekday at 22:00 London time (GMT, then BST from 31 March), for two hours.
    const fresh = after.filter((s) => s.startsAt > later && s.id !== saturday.id);
    expect(fresh.length).toBe(20);
    for (const s of fresh) {
      const w = wallTimeAt(s.startsAt, LONDON);
      expect([w.hour, w.minute]).toEqual([22, 0]);
      expect([1, 2, 3, 4, 5]).toContain(new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay());
      expect(s.endsAt.getTime() - s.startsAt.getTime()).toBe(2 * HOUR);
    }
    // Editing again with the same input changes nothing.
    expect(
      await updateRotaTemplate(db, COORDINATOR, {
        templateId,
        template: talkLine({ durationMinutes: 120 }, { days: ["MO", "TU", "WE", "TH", "FR"], time: "22:00" }),
        timeZone: LONDON,
        now: later,
      }),
    ).toMatchObject({ ok: true, added: 0, removed: 0, keptWithVolunteers: 1 });
  });

  it("retiring removes empty future slots, keeps taken ones, and stops new ones", async () => {
    const { templateId } = await created();
    const sam = await volunteer("Sam");
    const slots = await db.rotaSlot.findMany({ where: { templateId }, orderBy: { startsAt: "asc" } });
    await db.rotaAssignment.create({ data: { slotId: slots[2]!.id, personId: sam.id } });
    const later = new Date(NOW.getTime() + DAY);
    const r = await retireRotaTemplate(db, COORDINATOR, { templateId, now: later });
    expect(r).toEqual({
      ok: true,
      removed: slots.filter((s) => s.startsAt > later).length - 1,
      keptWithVolunteers: 1,
      effects: TEMPLATES_CHANGED,
    });
    const left = await db.rotaSlot.findMany({ where: { templateId }, orderBy: { startsAt: "asc" } });
    // Monday's slot had started by then; Wednesday's has Sam on it.
    expect(left.map((s) => s.id)).toEqual([slots[0]!.id, slots[2]!.id]);
    expect(await extendRotaHorizon(db, new Date(NOW.getTime() + 7 * DAY))).toBeGreaterThanOrEqual(0);
    expect(await db.rotaSlot.count({ where: { templateId } })).toBe(left.length);
    expect(await retireRotaTemplate(db, COORDINATOR, { templateId, now: later })).toEqual({
      ok: true,
      removed: 0,
      keptWithVolunteers: 1,
      effects: TEMPLATES_CHANGED,
    });
    expect(
      await updateRotaTemplate(db, COORDINATOR, { templateId, template: talkLine(), timeZone: LONDON, now: later }),
    ).toEqual({
      ok: false,
      code: "retired",
      message: "That template has been retired; make a new one instead.",
    });
    // The week view still shows the retired slot someone is on, marked as such.
    const week = await listRotaWeek(db, { from: NOW, to: new Date(NOW.getTime() + 7 * DAY) });
    expect(week.filter((s) => s.templateId === templateId).map((s) => [s.id, s.retired, s.volunteers])).toEqual([
      [slots[2]!.id, true, [{ personId: sam.id, firstName: "Sam" }]],
    ]);
  });

  it("the job materialises active templates ahead, idempotently", async () => {
    const { templateId } = await created();
    const later = new Date(NOW.getTime() + 10 * DAY);
    const added = await extendRotaHorizon(db, later);
    expect(added).toBeGreaterThanOrEqual(10);
    expect(await extendRotaHorizon(db, later)).toBe(0);
    const last = await db.rotaSlot.findFirstOrThrow({ where: { templateId }, orderBy: { startsAt: "desc" } });
    expect(last.startsAt.getTime()).toBeLessThan(later.getTime() + 28 * DAY);
    expect(last.startsAt.getTime()).toBeGreaterThan(later.getTime() + 27 * DAY);
  });

  it("only coordinators change the rota's shape: anyone else is refused in plain words, and nothing changes", async () => {
    const t = await created();
    const volunteer = await createApprovedVolunteer(db, "Vic");
    const asVolunteer = approvedVolunteer(volunteer.id);
    const [templates, slots, defaults] = [
      await db.rotaTemplate.count(),
      await db.rotaSlot.count(),
      await loadRotaDefaults(db),
    ];
    const refused = { ok: false, code: "forbidden", message: "Only coordinators can change the rota." };
    expect(await createRotaTemplate(db, asVolunteer, { template: talkLine(), timeZone: LONDON, now: NOW })).toEqual(
      refused,
    );
    expect(
      await updateRotaTemplate(db, asVolunteer, {
        templateId: t.templateId,
        template: talkLine({ durationMinutes: 30 }),
        timeZone: LONDON,
        now: NOW,
      }),
    ).toEqual(refused);
    expect(await retireRotaTemplate(db, asVolunteer, { templateId: t.templateId, now: NOW })).toEqual(refused);
    const limits = {
      maxSlotsPerWeek: 1,
      maxHoursPerWeek: 4,
      maxConsecutiveLateNights: 1,
      bufferAfterWorkMinutes: 30,
      minRestBeforeWorkMinutes: 480,
    };
    expect(await saveRotaDefaults(db, asVolunteer, limits)).toEqual(refused);
    expect(await applyAutoFill(db, asVolunteer, { proposals: [], timeZone: LONDON, now: NOW })).toEqual(refused);
    expect([await db.rotaTemplate.count(), await db.rotaSlot.count(), await loadRotaDefaults(db)]).toEqual([
      templates,
      slots,
      defaults,
    ]);
    // A coordinator's change says what to tell open rota pages.
    expect(await retireRotaTemplate(db, COORDINATOR, { templateId: t.templateId, now: NOW })).toMatchObject({
      ok: true,
      effects: TEMPLATES_CHANGED,
    });
  });

  it("stores the coordinator's default limits", async () => {
    const limits = {
      maxSlotsPerWeek: 3,
      maxHoursPerWeek: 7.5,
      maxConsecutiveLateNights: 2,
      bufferAfterWorkMinutes: 60,
      minRestBeforeWorkMinutes: 600,
    };
    await saveRotaDefaults(db, COORDINATOR, limits);
    expect(await loadRotaDefaults(db)).toEqual(limits);
    await saveRotaDefaults(db, COORDINATOR, { ...limits, maxSlotsPerWeek: 5 });
    expect(await loadRotaDefaults(db)).toEqual({ ...limits, maxSlotsPerWeek: 5 });
    await db.appMeta.delete({ where: { key: "rota.defaults" } });
  });
});

describe("auto-fill", () => {
  const week = { from: NOW, to: new Date(NOW.getTime() + 7 * DAY), timeZone: LONDON };

  it("previews, applies once (a second apply adds nothing), and leaves gaps with reasons", async () => {
    // Weekdays 13:00-15:00 (the split-shift gap), two needed, at most two.
    const t = await created(
      talkLine(
        { name: "Split gap", durationMinutes: 120, minVolunteers: 2, maxVolunteers: 2 },
        {
          days: ["MO", "TU", "WE", "TH", "FR"],
          time: "13:00",
        },
      ),
    );
    await onlyActive([t.templateId]);
    await db.person.updateMany({ where: { roles: { has: "VOLUNTEER" } }, data: { status: "SUSPENDED" } });
    const free = [await volunteer("Ana"), await volunteer("Ben"), await volunteer("Cy")];
    const busy = await volunteer("Dee", [{ days: ["MO", "TU", "WE", "TH", "FR"], shiftId: "long-day" }]);
    // No pattern saved: never proposed.
    const noPattern = await db.person.create({
      data: { displayName: "Eve Test", email: "eve@test.example", roles: ["VOLUNTEER"], status: "APPROVED" },
    });

    const gapsBefore = await listRotaGaps(db, week);
    expect(gapsBefore).toHaveLength(5); // Monday to Friday
    const preview = await previewAutoFill(db, week);
    // 10 places; 3 free volunteers, each up to 4 slots (8 hours) a week by default: all fillable.
    expect(preview.proposals).toHaveLength(10);
    const proposed = new Set(preview.proposals.map((p) => p.personId));
    expect(proposed.has(busy.id)).toBe(false);
    expect(proposed.has(noPattern.id)).toBe(false);
    expect([...proposed].every((id) => free.some((f) => f.id === id))).toBe(true);
    expect(preview.proposals[0]).toMatchObject({ name: "Split gap" });
    expect(["Ana", "Ben", "Cy"]).toContain(preview.proposals[0]!.firstName);
    expect(preview.gaps).toEqual([]);
    expect(gapsBefore[0]!.summary).toContain("1 working long days");
    expect(gapsBefore[0]!.summary).toContain("without a work pattern");

    const pairs = preview.proposals.map((p) => ({ slotId: p.slotId, personId: p.personId }));
    const first = await apply(db, { proposals: pairs, timeZone: LONDON, now: NOW });
    expect(first).toMatchObject({ applied: 10, justFilled: 0, noLongerFits: 0 });
    expect(first.slotIds).toHaveLength(5);
    expect(await db.rotaAssignment.count({ where: { source: "AUTOFILL", slot: { templateId: t.templateId } } })).toBe(
      10,
    );
    const again = await apply(db, { proposals: pairs, timeZone: LONDON, now: NOW });
    expect(again).toEqual({ ok: true, applied: 0, justFilled: 10, noLongerFits: 0, slotIds: [], effects: [] });
    expect((await previewAutoFill(db, week)).proposals).toEqual([]);
    expect(await listRotaGaps(db, week)).toEqual([]);
    const shown = await listRotaWeek(db, week);
    expect(shown.filter((s) => s.templateId === t.templateId).every((s) => s.volunteers.length === 2)).toBe(true);
    await db.rotaTemplate.update({ where: { id: t.templateId }, data: { active: false } });
  });

  it("skips proposals that no longer fit or whose slot was just filled", async () => {
    const t = await created(
      talkLine({ name: "Late", durationMinutes: 180, minVolunteers: 1, maxVolunteers: 1 }, { days: ["TU", "WE"] }),
    );
    await onlyActive([t.templateId]);
    await db.person.updateMany({ where: { roles: { has: "VOLUNTEER" } }, data: { status: "SUSPENDED" } });
    const a = await volunteer("Fay");
    const b = await volunteer("Gus");
    const preview = await previewAutoFill(db, week);
    expect(preview.proposals).toHaveLength(2);
    const [tue, wed] = preview.proposals;
    // Since the preview: someone signed up for Tuesday; Wednesday's volunteer now works nights.
    const signer = await volunteer("Hal");
    await db.rotaAssignment.create({ data: { slotId: tue!.slotId, personId: signer.id } });
    const wedPerson = wed!.personId;
    await db.volunteerRota.update({
      where: { personId: wedPerson },
      data: {
        pattern: buildWorkPattern(
          {
            cycleStartsOn: "2030-03-04",
            everyWeeks: 1,
            shifts: [{ week: 1, day: "WE", shiftId: "night" }],
            changes: [],
          },
          SHIFT_PRESETS,
        ) as unknown as object,
      },
    });
    const r = await apply(db, {
      proposals: [
        ...preview.proposals.map((p) => ({ slotId: p.slotId, personId: p.personId })),
        { slotId: "not-a-slot", personId: a.id },
      ],
      timeZone: LONDON,
      now: NOW,
    });
    expect(r).toEqual({ ok: true, applied: 0, justFilled: 1, noLongerFits: 2, slotIds: [], effects: [] });
    expect(await db.rotaAssignment.count({ where: { slot: { templateId: t.templateId } } })).toBe(1);
    // A slot that has started is not filled either.
    const late = await apply(db, {
      proposals: [{ slotId: wed!.slotId, personId: a.id === wedPerson ? b.id : a.id }],
      timeZone: LONDON,
      now: new Date("2030-03-06T21:31:00Z"),
    });
    expect(late).toMatchObject({ applied: 0, noLongerFits: 1 });
    await db.rotaTemplate.update({ where: { id: t.templateId }, data: { active: false } });
  });

  it("never goes over the maximum, racing sign-ups and a second apply", async () => {
    const t = await created(
      talkLine({ name: "Early", durationMinutes: 90, minVolunteers: 2, maxVolunteers: 2 }, { time: "06:30" }),
    );
    await onlyActive([t.templateId]);
    await db.person.updateMany({ where: { roles: { has: "VOLUNTEER" } }, data: { status: "SUSPENDED" } });
    const crew = await Promise.all(["Ivy", "Jo", "Kit", "Lou", "Mo", "Ned"].map((x) => volunteer(x)));
    const preview = await previewAutoFill(db, week);
    expect(preview.proposals.length).toBe(14); // Tuesday to next Monday at 06:30, two each
    const pairs = preview.proposals.map((p) => ({ slotId: p.slotId, personId: p.personId }));
    const slotIds = [...new Set(pairs.map((p) => p.slotId))];

    // A sign-up as the volunteer side does it: lock the volunteer, then the slot, then check capacity.
    const signUp = (client: TestPrisma, slotId: string, personId: string) =>
      client.$transaction(async (tx) => {
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`rota:volunteer:${personId}`}))`;
        await tx.$queryRaw`SELECT id FROM "RotaSlot" WHERE id = ${slotId}::uuid FOR UPDATE`;
        const count = await tx.rotaAssignment.count({ where: { slotId } });
        if (count >= 2) return false;
        await tx.rotaAssignment.createMany({ data: [{ slotId, personId }], skipDuplicates: true });
        return true;
      });
    const signUps = slotIds.flatMap((slotId, i) =>
      [crew[i % 6]!, crew[(i + 3) % 6]!].map((p, j) => signUp(j % 2 ? other : db, slotId, p.id)),
    );
    const [one, two] = await Promise.all([
      apply(db, { proposals: pairs, timeZone: LONDON, now: NOW }),
      apply(other, { proposals: pairs, timeZone: LONDON, now: NOW }),
      ...signUps,
    ]);
    const counts = await db.rotaAssignment.groupBy({
      by: ["slotId"],
      where: { slotId: { in: slotIds } },
      _count: true,
    });
    expect(counts).toHaveLength(slotIds.length);
    for (const c of counts) expect(c._count).toBeLessThanOrEqual(2);
    const total = counts.reduce((s, c) => s + c._count, 0);
    const signedUp = await db.rotaAssignment.count({ where: { slotId: { in: slotIds }, source: "SIGNUP" } });
    expect(one!.applied + two!.applied).toBe(total - signedUp);
    expect(total).toBe(14);
  });
});
