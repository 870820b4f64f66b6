import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Actor, Role } from "@offshift/core";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { erasePerson } from "../people/account.js";
import { addVoiceTheme, listVoiceThemes, setVoiceThemeActive } from "./themes.js";
import { recordSessionThemes, sessionsToTick } from "./ticks.js";
import {
  archiveVoiceWord,
  leaveVoiceWord,
  listVoiceStatements,
  listVoiceWords,
  publishVoiceStatement,
  withdrawVoiceStatement,
} from "./words.js";
import { loadVoicePublication } from "./publication.js";

const LONDON = "Europe/London";
// A fixed instant: nothing here depends on today's date.
const t0 = new Date("2026-11-10T22:00:00Z");
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);
const THRESHOLDS = { minSessions: 10, minFacilitators: 3 };

let db: TestPrisma;
let drop: () => Promise<void>;
let coordinator: Actor;
const guest: Actor = { kind: "guest", guestId: "6b1f3c1e-0000-4000-8000-000000000001" };

const asActor = (p: { id: string; roles: Role[] }): Actor => ({
  kind: "person",
  personId: p.id,
  roles: p.roles,
  status: "APPROVED",
});
let people = 0;
async function person(roles: Role[]) {
  people += 1;
  const p = await db.person.create({
    data: { displayName: `Person ${people}`, email: `p${people}@voice.example`, roles, status: "APPROVED" },
  });
  return { ...p, actor: asActor(p) };
}

/** A drop-in that ran from `startsAt` for an hour, opened by its facilitator. */
async function ranDropIn(facilitatorId: string, startsAt: Date) {
  const s = await db.dropInSeries.create({
    data: {
      title: "Late finish",
      theme: "Nights",
      description: "x",
      capacity: 6,
      durationMinutes: 60,
      rrule: "FREQ=WEEKLY;BYDAY=MO",
      startsOnLocal: "2026-11-02T21:00:00",
      facilitatorId,
    },
  });
  return db.dropInOccurrence.create({
    data: {
      seriesId: s.id,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      title: "Late finish",
      theme: "Nights",
      description: "x",
      capacity: 6,
      facilitatorId,
      openedAt: startsAt,
      openedById: facilitatorId,
    },
  });
}

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "voice");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
  coordinator = (await person(["COORDINATOR"])).actor;
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

describe("the worker's word is stored apart from everything", () => {
  it("has no column or foreign key that leads to a person, guest, session or a time finer than the month", async () => {
    const columns = await db.$queryRaw<{ column_name: string; data_type: string }[]>`
      SELECT column_name::text, data_type::text FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'VoiceWord' ORDER BY column_name`;
    expect(columns).toEqual([
      { column_name: "archived", data_type: "boolean" },
      { column_name: "id", data_type: "uuid" },
      { column_name: "month", data_type: "character" },
      { column_name: "text", data_type: "character varying" },
    ]);
    const keys = await db.$queryRaw<{ name: string }[]>`
      SELECT conname::text AS name FROM pg_constraint
      WHERE contype = 'f' AND (conrelid = '"VoiceWord"'::regclass OR confrelid = '"VoiceWord"'::regclass)`;
    expect(keys).toEqual([]);
  });

  it("a guest's word keeps only its month, and no query can join it back to the guest or a session", async () => {
    const r = await leaveVoiceWord(db, {
      actor: guest,
      text: "Paid travel time between calls",
      now: t0,
      timeZone: LONDON,
    });
    expect(r).toEqual({ ok: true, effects: [] });
    const rows = await db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "VoiceWord"`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ month: "2026-11", text: "Paid travel time between calls", archived: false });
    expect(JSON.stringify(rows[0])).not.toContain(guest.kind === "guest" ? guest.guestId : "");
    // Random (version 4) ids carry no time: PostgreSQL finds no timestamp in them.
    const [stamp] = await db.$queryRaw<{ v: number; ts: Date | null }[]>`
      SELECT uuid_extract_version("id") AS v, uuid_extract_timestamp("id") AS ts FROM "VoiceWord"`;
    expect(stamp).toEqual({ v: 4, ts: null });
    for (const attempt of [
      `SELECT g."id" FROM "VoiceWord" w JOIN "Guest" g ON g."id" = w."guestId"`,
      `SELECT p."id" FROM "VoiceWord" w JOIN "Person" p ON p."id" = w."personId"`,
      `SELECT o."id" FROM "VoiceWord" w JOIN "DropInOccurrence" o ON o."id" = w."occurrenceId"`,
      `SELECT c."id" FROM "VoiceWord" w JOIN "TalkCall" c ON c."id" = w."callId"`,
      `SELECT w."createdAt" FROM "VoiceWord" w`,
    ])
      await expect(db.$queryRawUnsafe(attempt)).rejects.toThrow(/does not exist/);
  });

  it("refuses contact details, over-long words and visitors kindly, and stores nothing", async () => {
    const before = await db.voiceWord.count();
    const email = await leaveVoiceWord(db, {
      actor: guest,
      text: "write to me sam@example.org",
      now: t0,
      timeZone: LONDON,
    });
    expect(email).toMatchObject({ ok: false, code: "invalid", message: expect.stringMatching(/leave out email/) });
    const phone = await leaveVoiceWord(db, { actor: guest, text: "text 07700 900 123", now: t0, timeZone: LONDON });
    expect(phone).toMatchObject({ ok: false, message: expect.stringMatching(/leave out phone numbers/) });
    const long = await leaveVoiceWord(db, { actor: guest, text: "x".repeat(281), now: t0, timeZone: LONDON });
    expect(long).toMatchObject({ ok: false, message: expect.stringMatching(/280 characters/) });
    const visitor = await leaveVoiceWord(db, { actor: { kind: "visitor" }, text: "Pay", now: t0, timeZone: LONDON });
    expect(visitor).toMatchObject({ ok: false, code: "forbidden" });
    expect(await db.voiceWord.count()).toBe(before);
  });
});

describe("coordinators publish paraphrases one at a time and can withdraw them", () => {
  it("only a coordinator reads words and publishes; a word is published once; withdrawing takes it off", async () => {
    const volunteer = await person(["VOLUNTEER"]);
    await leaveVoiceWord(db, { actor: guest, text: "Two carers for hoists, always", now: t0, timeZone: LONDON });
    expect(await listVoiceWords(db, { actor: volunteer.actor })).toMatchObject({ ok: false, code: "forbidden" });
    const listed = await listVoiceWords(db, { actor: coordinator });
    if (!listed.ok) throw new Error(listed.message);
    const word = listed.words.find((w) => w.text.startsWith("Two carers"))!;

    const notCoord = await publishVoiceStatement(db, {
      actor: volunteer.actor,
      wordId: word.id,
      text: "x y z",
      now: t0,
    });
    expect(notCoord).toMatchObject({ ok: false, code: "forbidden" });
    const bad = await publishVoiceStatement(db, {
      actor: coordinator,
      wordId: word.id,
      text: "Call 07700900123",
      now: t0,
    });
    expect(bad).toMatchObject({ ok: false, code: "invalid" });
    expect(await db.voiceStatement.count()).toBe(0);

    const text = "Workers want a second carer whenever a hoist is used.";
    const published = await publishVoiceStatement(db, { actor: coordinator, wordId: word.id, text, now: t0 });
    expect(published).toMatchObject({ ok: true, statement: { text, month: "2026-11", withdrawnAt: null } });
    const again = await publishVoiceStatement(db, { actor: coordinator, wordId: word.id, text, now: t0 });
    expect(again).toMatchObject({ ok: false, code: "conflict" });
    expect((await listVoiceStatements(db)).map((s) => s.text)).toEqual([text]);

    if (!published.ok) return;
    const withdrawn = await withdrawVoiceStatement(db, {
      actor: coordinator,
      statementId: published.statement.id,
      now: hours(1),
    });
    expect(withdrawn).toMatchObject({ ok: true });
    expect(await listVoiceStatements(db)).toEqual([]);
    expect(await listVoiceStatements(db, { includeWithdrawn: true })).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { action: { startsWith: "voice.statement." } } })).toBe(2);
    expect(await archiveVoiceWord(db, { actor: coordinator, wordId: word.id })).toMatchObject({ ok: true });
  });
});

describe("themes ticked after a session", () => {
  it("only by whoever ran it, once it has ended, within 48 hours, from the list; ticking again replaces", async () => {
    const maria = await person(["FACILITATOR"]);
    const other = await person(["FACILITATOR"]);
    const dropIn = await ranDropIn(maria.id, t0);
    const themes = await listVoiceThemes(db);
    expect(themes.map((t) => t.label)).toContain("Lone working at night");
    const [lone, pay] = [
      themes.find((t) => t.label === "Lone working at night")!,
      themes.find((t) => t.label === "Pay")!,
    ];
    const tick = (actor: Actor, now: Date, themeIds: unknown, region: unknown = "") =>
      recordSessionThemes(db, {
        actor,
        session: { kind: "dropin", occurrenceId: dropIn.id },
        themeIds,
        region,
        now,
        timeZone: LONDON,
      });

    expect(await tick(maria.actor, hours(0.5), [lone.id])).toMatchObject({ ok: false, code: "not_ended" });
    expect(await tick(other.actor, hours(2), [lone.id])).toMatchObject({ ok: false, code: "forbidden" });
    expect(await tick(coordinator, hours(2), [lone.id])).toMatchObject({ ok: false, code: "forbidden" });
    expect(await tick(maria.actor, hours(2), [crypto.randomUUID()])).toMatchObject({ ok: false, code: "invalid" });
    expect(await tick(maria.actor, hours(2), [lone.id], "Narnia")).toMatchObject({ ok: false, code: "invalid" });
    expect(await tick(maria.actor, hours(50), [lone.id])).toMatchObject({ ok: false, code: "too_late" });
    expect(await db.voiceSessionReport.count()).toBe(0);

    expect((await sessionsToTick(db, { actor: maria.actor, now: hours(2) })).map((s) => s.title)).toEqual([
      "Late finish",
    ]);
    expect(await sessionsToTick(db, { actor: other.actor, now: hours(2) })).toEqual([]);

    expect(await tick(maria.actor, hours(2), [lone.id, lone.id, pay.id], "NE")).toMatchObject({ ok: true, ticked: 2 });
    expect(await tick(maria.actor, hours(3), [pay.id], "NE")).toMatchObject({ ok: true, ticked: 1 });
    const report = await db.voiceSessionReport.findUniqueOrThrow({
      where: { occurrenceId: dropIn.id },
      include: { ticks: true },
    });
    expect(report).toMatchObject({ month: "2026-11", region: "NE", facilitatorId: maria.id });
    expect(report.ticks.map((t) => t.themeId)).toEqual([pay.id]);

    // A retired theme cannot be ticked any more.
    await setVoiceThemeActive(db, { actor: coordinator, themeId: pay.id, active: false });
    expect(await tick(maria.actor, hours(4), [pay.id])).toMatchObject({ ok: false, code: "invalid" });
    await setVoiceThemeActive(db, { actor: coordinator, themeId: pay.id, active: true });
  });

  it("coordinators keep the list: a name on it already is refused, whatever its case", async () => {
    expect(await addVoiceTheme(db, { actor: coordinator, label: "  pay " })).toMatchObject({
      ok: false,
      code: "conflict",
    });
    expect(await addVoiceTheme(db, { actor: coordinator, label: "ab" })).toMatchObject({ ok: false, code: "invalid" });
    const volunteer = await person(["VOLUNTEER"]);
    expect(await addVoiceTheme(db, { actor: volunteer.actor, label: "Parking fines" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    const added = await addVoiceTheme(db, { actor: coordinator, label: "Parking fines" });
    expect(added).toMatchObject({ ok: true, theme: { label: "Parking fines", active: true } });
    // Changes to the list are audited with who made them.
    expect(await db.auditEvent.count({ where: { action: "voice.theme.add" } })).toBe(1);
    expect(
      await db.auditEvent.count({ where: { action: { in: ["voice.theme.retire", "voice.theme.restore"] } } }),
    ).toBe(2);
  });
});

describe("publication from the database", () => {
  it("a quarter shows a theme once 10 sessions by 3 facilitators tick it, and keeps it after a facilitator erases their account", async () => {
    await db.voiceThemeTick.deleteMany();
    await db.voiceSessionReport.deleteMany();
    const facilitators = [await person(["FACILITATOR"]), await person(["FACILITATOR"]), await person(["FACILITATOR"])];
    const bereavement = (await listVoiceThemes(db)).find((t) => t.label === "Bereavement")!;
    // Ten sessions in October 2026, the tenth only later.
    const run = async (i: number) => {
      const f = facilitators[i % 3]!;
      const at = new Date(Date.UTC(2026, 9, 1 + i, 21));
      const o = await ranDropIn(f.id, at);
      const r = await recordSessionThemes(db, {
        actor: f.actor,
        session: { kind: "dropin", occurrenceId: o.id },
        themeIds: [bereavement.id],
        region: i < 5 ? "LDN" : "",
        now: new Date(at.getTime() + 2 * 3_600_000),
        timeZone: LONDON,
      });
      expect(r.ok).toBe(true);
    };
    for (let i = 0; i < 9; i++) await run(i);
    const afterQuarter = new Date("2027-01-05T12:00:00Z");
    const load = () => loadVoicePublication(db, { now: afterQuarter, timeZone: LONDON, thresholds: THRESHOLDS });
    const row = async () => (await load()).quarters[0]!.themes.find((t) => t.themeId === bereavement.id)!;

    // Not before the quarter is closed.
    expect(
      (
        await loadVoicePublication(db, {
          now: new Date("2026-12-20T12:00:00Z"),
          timeZone: LONDON,
          thresholds: THRESHOLDS,
        })
      ).quarters,
    ).toEqual([]);
    expect((await load()).quarters[0]!.quarter).toBe("2026-Q4");
    expect((await row()).total).toBeNull();
    await run(9);
    expect((await row()).total).toBe(10);
    expect((await row()).byMonth.figures).toEqual([{ parts: ["2026-10", "2026-11", "2026-12"], sessions: 10 }]);

    // Erasure re-keys the facilitator: their sessions still count, still as one facilitator.
    const erased = await erasePerson(db, {
      personId: facilitators[0]!.id,
      now: afterQuarter,
      timeZone: LONDON,
      origin: "http://localhost:3000",
      aliasSecret: "test-alias-secret-that-is-long-enough",
    });
    expect(erased.ok).toBe(true);
    expect(await db.voiceSessionReport.count({ where: { facilitatorId: facilitators[0]!.id } })).toBe(0);
    expect((await row()).total).toBe(10);
  });
});

describe("calls and races", () => {
  it("a call's themes are ticked by its volunteer once it has ended, not by another volunteer", async () => {
    const kwame = await person(["VOLUNTEER"]);
    const sam = await person(["VOLUNTEER"]);
    const request = await db.talkRequest.create({
      data: { status: "MATCHED", createdAt: t0 },
    });
    const call = await db.talkCall.create({
      data: { requestId: request.id, volunteerId: kwame.id, status: "ACTIVE", startedAt: t0 },
    });
    const pay = (await listVoiceThemes(db)).find((t) => t.label === "Pay")!;
    const tick = (actor: Actor, now: Date) =>
      recordSessionThemes(db, {
        actor,
        session: { kind: "call", callId: call.id },
        themeIds: [pay.id],
        region: "",
        now,
        timeZone: LONDON,
      });
    expect(await tick(kwame.actor, hours(0.5))).toMatchObject({ ok: false, code: "not_ended" });
    await db.talkCall.update({ where: { id: call.id }, data: { status: "ENDED", endedAt: hours(0.5) } });
    expect(await tick(sam.actor, hours(1))).toMatchObject({ ok: false, code: "forbidden" });
    expect((await sessionsToTick(db, { actor: kwame.actor, now: hours(1) })).map((s) => s.title)).toEqual(["1:1 call"]);
    expect(await tick(kwame.actor, hours(1))).toMatchObject({ ok: true, ticked: 1 });
    expect(await db.voiceSessionReport.count({ where: { callId: call.id } })).toBe(1);
  });

  it("two saves of the same session at once leave one report with one of the two sets of ticks", async () => {
    const f = await person(["FACILITATOR"]);
    const o = await ranDropIn(f.id, t0);
    const themes = await listVoiceThemes(db);
    const [a, b, c] = themes;
    const save = (ids: string[]) =>
      recordSessionThemes(db, {
        actor: f.actor,
        session: { kind: "dropin", occurrenceId: o.id },
        themeIds: ids,
        region: "",
        now: hours(2),
        timeZone: LONDON,
      });
    const results = await Promise.all([save([a!.id]), save([b!.id, c!.id])]);
    expect(results.every((r) => r.ok)).toBe(true);
    const reports = await db.voiceSessionReport.findMany({ where: { occurrenceId: o.id }, include: { ticks: true } });
    expect(reports).toHaveLength(1);
    const ticked = reports[0]!.ticks.map((t) => t.themeId).sort();
    expect([[a!.id], [b!.id, c!.id].sort()]).toContainEqual(ticked);
  });

  it("two coordinators publishing the same word at once: one statement, the other is told", async () => {
    const other = (await person(["COORDINATOR"])).actor;
    await leaveVoiceWord(db, { actor: guest, text: "Fuel money that covers the miles", now: t0, timeZone: LONDON });
    const listed = await listVoiceWords(db, { actor: coordinator });
    if (!listed.ok) throw new Error(listed.message);
    const word = listed.words.find((w) => w.text.startsWith("Fuel money"))!;
    const publish = (actor: Actor) =>
      publishVoiceStatement(db, { actor, wordId: word.id, text: "Mileage rates do not cover fuel.", now: t0 });
    const results = await Promise.all([publish(coordinator), publish(other)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: "conflict" });
    expect(await db.voiceStatement.count({ where: { text: "Mileage rates do not cover fuel." } })).toBe(1);
  });
});
