import { beforeAll, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { setAttendanceIntent } from "../dropins/mutations.js";
import { storeDevMail } from "./mail.js";
import { createGuest } from "./guests.js";
import { erasePerson, exportPersonData, forgetGuest } from "./account.js";
import { endCall, recordCallOutcome } from "../talk/call.js";
import { acceptOffer, dispatchOffers } from "../talk/matching.js";
import { startOnCall, touchOnCallPresence } from "../talk/oncall.js";
import { requestTalk } from "../talk/requests.js";
import { channelOf, memberAlias, personChannel } from "@offshift/core";
import { talkAggregates } from "../talk/aggregates.js";
import { actorOfPerson } from "./actors.js";
import { decideApplication } from "./applications.js";
import { materializeOccurrences } from "../dropins/materialize.js";
import { listSafeguardingFlags } from "../safeguarding.js";

let db: TestPrisma;
const now = new Date("2026-11-24T23:00:00Z");
const later = (min: number) => new Date(now.getTime() + min * 60_000);
const SECRET = "test-alias-secret-that-is-long-enough";
const WHERE = { timeZone: "Europe/London", origin: "http://localhost:3000", aliasSecret: SECRET };
let coordinator: { id: string; email: string };

const database = useTestDatabase("erasure");

beforeAll(async () => {
  db = database.client();
  const c = await db.person.create({
    data: { displayName: "Priya Coord", email: "coord@erasure.example", roles: ["COORDINATOR"], status: "APPROVED" },
  });
  coordinator = { id: c.id, email: c.email! };
});

const person = (displayName: string, email: string, roles: ("VOLUNTEER" | "FACILITATOR")[] = ["VOLUNTEER"]) =>
  db.person.create({
    data: { displayName, email, roles, status: "APPROVED", languages: ["en"], experience: ["nights"] },
  });

async function series(title: string, facilitatorId: string, backupFacilitatorId: string | null = null) {
  return db.dropInSeries.create({
    data: {
      title,
      theme: "Nights",
      description: "x",
      capacity: 6,
      durationMinutes: 60,
      rrule: "FREQ=WEEKLY;BYDAY=MO",
      startsOnLocal: "2026-11-02T21:00:00",
      facilitatorId,
      backupFacilitatorId,
    },
  });
}

async function occurrence(s: { id: string; title: string }, startsAt: Date, facilitatorId: string | null = null) {
  return db.dropInOccurrence.create({
    data: {
      seriesId: s.id,
      originalStart: startsAt,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 60 * 60_000),
      title: s.title,
      theme: "Nights",
      description: "x",
      capacity: 6,
      facilitatorId,
    },
  });
}

/** Earlier tests' requests would otherwise be offered first (the queue is oldest first). */
/** The worker whose call the volunteer took (one guest, kept across tests). */
let someoneId: string | undefined;
const someone = async () => {
  someoneId ??= (await createGuest(db, { nickname: "Someone", agreement: true }, now)).guest.id;
  return { kind: "guest", id: someoneId } as const;
};
const closeWaitingRequests = () =>
  db.talkRequest.updateMany({ where: { status: "WAITING" }, data: { status: "CANCELLED", closedAt: now } });

/** Every row, in every table, whose text contains one of `needles` (case-insensitive), by table. */
async function rowsContaining(needles: string[]): Promise<Record<string, number>> {
  const tables = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name::text AS table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`;
  expect(tables.length).toBeGreaterThan(25);
  const found: Record<string, number> = {};
  const patterns = needles.map((n) => `%${n}%`);
  for (const { table_name } of tables) {
    const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "${table_name}" t WHERE t::text ILIKE ANY($1::text[])`,
      patterns,
    );
    if (row && row.n > 0n) found[table_name] = Number(row.n);
  }
  return found;
}

/**
 * One volunteer-facilitator with a row of every kind Offshift keeps about a
 * person, made through the use cases where there is one.
 */
async function everythingAbout(name: string, email: string) {
  await closeWaitingRequests();
  const p = await person(name, email, ["VOLUNTEER", "FACILITATOR"]);
  const id = p.id;
  await db.session.create({ data: { id: `sess-${id}`, token: `tok-${id}`, userId: id, expiresAt: later(600) } });
  await db.account.create({ data: { id: `acc-${id}`, accountId: id, providerId: "magic-link", userId: id } });
  await db.verification.create({
    data: {
      id: `ver-${id}`,
      identifier: "hashed-token",
      value: JSON.stringify({ email, name: null, attempt: 0 }),
      expiresAt: later(15),
    },
  });
  await db.volunteerRota.create({ data: { personId: id, shifts: [{ name: "Lates" }] } });
  const template = await db.rotaTemplate.create({
    data: { name: "Talk line late", rrule: "FREQ=DAILY", startsOnLocal: "2026-11-01T21:30:00", durationMinutes: 180 },
  });
  const pastSlot = await db.rotaSlot.create({
    data: { templateId: template.id, startsAt: later(-2000), endsAt: later(-1820) },
  });
  const nextSlot = await db.rotaSlot.create({
    data: { templateId: template.id, startsAt: later(1000), endsAt: later(1180) },
  });
  await db.rotaAssignment.create({ data: { slotId: pastSlot.id, personId: id } });
  await db.rotaAssignment.create({ data: { slotId: nextSlot.id, personId: id } });
  // A cover request of theirs, and one they took for someone else.
  await db.rotaSwapOffer.create({ data: { slotId: nextSlot.id, fromId: id } });
  await db.rotaSwapOffer.create({
    data: { slotId: pastSlot.id, fromId: coordinator.id, status: "TAKEN", takenById: id, decidedAt: later(-3000) },
  });
  const s = await series("Lone working at night", id);
  const occ = await occurrence(s, later(120));
  await db.reminderRequest.create({ data: { personId: id, seriesId: s.id, occurrenceId: occ.id } });
  expect(
    (
      await setAttendanceIntent(
        db,
        { kind: "person", personId: id, roles: ["VOLUNTEER", "FACILITATOR"], status: "APPROVED" },
        { occurrenceId: occ.id, intent: "join", now },
      )
    ).ok,
  ).toBe(true);
  // Side-chat in a live room someone else runs (which goes on after they leave).
  const elsewhere = await occurrence(await series(`Open now ${email.length}`, coordinator.id), later(-10));
  await db.liveRoom.create({ data: { occurrenceId: elsewhere.id, state: {} } });
  await db.roomChatLine.create({
    data: {
      occurrenceId: elsewhere.id,
      seq: 1,
      memberId: memberAlias(SECRET, elsewhere.id, personChannel(id)),
      name: name.split(" ")[0]!,
      text: "hello",
      at: now,
    },
  });

  // A 1:1 call they took, with an outcome, a safeguarding flag and a debrief (mail to the coordinator naming them).
  expect((await startOnCall(db, { personId: id, now })).ok).toBe(true);
  await touchOnCallPresence(db, { socketId: `oncall-${id}`, personId: id, nodeId: "n1", now: later(1) });
  await requestTalk(db, {
    requester: await someone(),
    preferences: { experience: [] },
    now: later(1), // a worker's page must be open when the offer is made
    page: { socketId: "waiting-page-1", nodeId: "n1" },
  });
  await dispatchOffers(db, later(1));
  const offer = await db.talkOffer.findFirstOrThrow({ where: { volunteerId: id } });
  const accepted = await acceptOffer(db, { offerId: offer.id, volunteerId: id, now: later(1) });
  if (!accepted.ok) throw new Error("accept failed");
  await endCall(db, { callId: accepted.callId, side: "volunteer", now: later(20) });
  const after = await recordCallOutcome(db, {
    callId: accepted.callId,
    actor: { kind: "person", personId: id, roles: ["VOLUNTEER"], status: "APPROVED" },
    after: { outcome: "listened-and-supported", safeguarding: "risk-to-self", debrief: true },
    now: later(21),
    origin: WHERE.origin,
  });
  expect(after).toMatchObject({ ok: true, debriefQueued: 1 });
  // Asking for someone to talk to themselves, too.
  await requestTalk(db, {
    requester: { kind: "person", id },
    preferences: { experience: [] },
    now: later(22),
    page: { socketId: "waiting-page-2", nodeId: "n1" },
  });
  // Mail: queued to them, and the development mailbox's copies of mail to and about them.
  await db.outboxMail.create({
    data: { dedupeKey: `welcome:${id}`, to: email, subject: "Welcome", text: `Hello ${name}`, notBefore: now },
  });
  await storeDevMail(db, { to: email, subject: "Your sign-in link", text: "http://localhost/api/auth/magic-link?t=x" });
  await storeDevMail(db, { to: coordinator.email, subject: "Debrief", text: `${name} asked for a debrief` });
  await db.auditEvent.create({
    data: { at: now, action: "application.approve", actorPersonId: coordinator.id, subjectPersonId: id },
  });
  return { id, callId: accepted.callId };
}

describe("downloading your data", () => {
  it("includes a row of every kind about the person", async () => {
    const { id } = await everythingAbout("Ottoline Quarshie", "ottoline@erasure.example");
    const data = await exportPersonData(db, id, later(30));
    expect(data).not.toBeNull();
    const d = data!;
    expect(d.exportedAt).toBe(later(30).toISOString());
    expect(d.person).toMatchObject({ displayName: "Ottoline Quarshie", email: "ottoline@erasure.example" });
    expect(d.person.volunteerRota).not.toBeNull();
    expect(d.person.onCall).not.toBeNull();
    for (const list of [
      d.person.rotaAssignments,
      d.person.swapOffers,
      d.person.facilitatedSeries,
      d.person.reminderRequests,
      d.person.talkOffers,
      d.person.talkCalls,
      d.person.sessions,
      d.coverTaken,
      d.talkRequests,
      d.safeguardingFlagsRaised,
      d.attendanceIntents,
      d.mail,
    ])
      expect(list.length).toBeGreaterThan(0);
    expect(d.person.talkCalls[0]).toMatchObject({ outcome: "listened-and-supported" });
    expect(d.safeguardingFlagsRaised[0]).toMatchObject({ category: "risk-to-self" });
    expect(d.auditEvents.find((e) => e.action === "application.approve")).toMatchObject({
      byYou: false,
      aboutYou: true,
    });
    expect(JSON.stringify(d)).not.toContain(coordinator.id);
    expect(d.auditEvents.map((e) => e.action).sort()).toEqual(
      ["application.approve", "safeguarding.flag", "talk.debrief", "talk.outcome"].sort(),
    );
    expect(await exportPersonData(db, "00000000-0000-4000-8000-000000000000", now)).toBeNull();
  });
});

describe("deleting an account", () => {
  it("leaves no row anywhere with their email, name or id, and keeps the anonymous totals", async () => {
    const name = "Wilhelmina Okonkwo-Barre";
    const email = "wilhelmina@erasure.example";
    const { id } = await everythingAbout(name, email);
    const needles = [id, email, name, "Wilhelmina"];
    expect(Object.keys(await rowsContaining(needles)).length).toBeGreaterThan(15);
    const talkBefore = await talkAggregates(db, { from: later(-60), to: later(60), timeZone: "Europe/London" });
    const callsBefore = await db.talkCall.count();
    const flagsBefore = await db.safeguardingFlag.count();

    const result = await erasePerson(db, { personId: id, now: later(30), ...WHERE });
    expect(result).toMatchObject({ ok: true, handovers: [{ outcome: "cancelled", why: "nobody_else" }] });

    expect(await rowsContaining(needles)).toEqual({});
    // The numbers coordinators see are unchanged; the calls they took still count.
    const talkAfter = await talkAggregates(db, { from: later(-60), to: later(60), timeZone: "Europe/London" });
    expect([talkAfter.requests, talkAfter.answered]).toEqual([talkBefore.requests, talkBefore.answered]);
    expect(await db.talkCall.count()).toBe(callsBefore);
    expect(await db.safeguardingFlag.count()).toBe(flagsBefore);
    // Mail to and about other people stays.
    expect(
      await db.outboxMail.count({ where: { to: coordinator.email, dedupeKey: { startsWith: "facilitator-left:" } } }),
    ).toBe(1);
  });

  it("refuses an unknown or already deleted account and changes nothing", async () => {
    const before = await rowsContaining(["@"]);
    expect(await erasePerson(db, { personId: "00000000-0000-4000-8000-000000000000", now, ...WHERE })).toEqual({
      ok: false,
      code: "not_found",
      message: "That account could not be found.",
    });
    expect(await rowsContaining(["@"])).toEqual(before);
  });
});

describe("a departing facilitator's upcoming sessions", () => {
  it("go to the backup where there is a free one, are cancelled otherwise, and coordinators get one mail", async () => {
    const leaving = await person("Dorothea Leaving", "dorothea@erasure.example", ["FACILITATOR"]);
    const backup = await person("Kwabena Backup", "kwabena@erasure.example", ["FACILITATOR"]);
    const withBackup = await series("After a death", leaving.id, backup.id);
    const alone = await series("New to care", leaving.id);
    const theirs = await series("Backup's own", backup.id);
    const a = await occurrence(withBackup, later(24 * 60));
    const b = await occurrence(withBackup, later(8 * 24 * 60));
    const c = await occurrence(alone, later(2 * 24 * 60));
    // The backup is already running their own session when this one starts.
    await occurrence(theirs, later(15 * 24 * 60 + 30));
    const clash = await occurrence(withBackup, later(15 * 24 * 60));
    // Past and already-cancelled sessions are left as they were.
    const past = await occurrence(withBackup, later(-7 * 24 * 60));
    // Given to the leaver for one night from someone else's series.
    const borrowed = await occurrence(theirs, later(3 * 24 * 60), leaving.id);

    const result = await erasePerson(db, { personId: leaving.id, now, ...WHERE });
    if (!result.ok) throw new Error(result.message);
    expect(result.coordinatorsTold).toBe(1);
    const byId = new Map(result.handovers.map((h) => [h.occurrenceId, h]));
    expect(byId.size).toBe(5);
    expect(byId.get(a.id)).toMatchObject({ outcome: "reassigned", toId: backup.id });
    expect(byId.get(b.id)).toMatchObject({ outcome: "reassigned", toId: backup.id });
    expect(byId.get(c.id)).toMatchObject({ outcome: "cancelled", why: "nobody_else" });
    expect(byId.get(clash.id)).toMatchObject({ outcome: "cancelled", why: "others_busy" });
    // Lent one night of someone else's series: it goes back to that series' lead.
    expect(byId.get(borrowed.id)).toMatchObject({ outcome: "reassigned", toId: backup.id });

    const status = async (id: string) =>
      db.dropInOccurrence.findUniqueOrThrow({ where: { id }, select: { status: true, facilitatorId: true } });
    expect(await status(a.id)).toEqual({ status: "SCHEDULED", facilitatorId: backup.id });
    expect((await status(c.id)).status).toBe("CANCELLED");
    expect((await status(clash.id)).status).toBe("CANCELLED");
    expect((await status(past.id)).status).toBe("SCHEDULED");
    // The series with a backup is now theirs; the other makes no new sessions.
    expect(await db.dropInSeries.findUniqueOrThrow({ where: { id: withBackup.id } })).toMatchObject({
      facilitatorId: backup.id,
      backupFacilitatorId: null,
    });
    expect(await materializeOccurrences(db, alone.id, now)).toBe(0);
    // Cancelled through the cancellation use case: audited like any other.
    expect(
      await db.auditEvent.count({
        where: { action: "occurrence.cancel", details: { path: ["occurrenceId"], equals: c.id } },
      }),
    ).toBe(1);

    const mail = await db.outboxMail.findMany({
      where: { dedupeKey: { startsWith: "facilitator-left:" }, to: coordinator.email },
    });
    const told = mail.filter((m) => m.text.includes("After a death"));
    expect(told).toHaveLength(1);
    expect(told[0]!.subject).toBe("A facilitator left: 2 sessions cancelled");
    expect(told[0]!.notBefore).toEqual(now);
    expect(told[0]!.text).toContain("Given to another facilitator (3)");
    expect(told[0]!.text).not.toContain("Dorothea");
  });
});

describe("a suspended facilitator's upcoming sessions", () => {
  it("go to the backup too; the backup leads the series, the suspended lead becomes its backup; coordinators told", async () => {
    const suspended = await person("Ignatius Paused", "ignatius@erasure.example", ["FACILITATOR"]);
    const backup = await person("Rosalind Cover", "rosalind@erasure.example", ["FACILITATOR"]);
    const s = await series("Night drivers", suspended.id, backup.id);
    const alone = await series("Split shifts", suspended.id);
    const a = await occurrence(s, later(24 * 60));
    const b = await occurrence(alone, later(24 * 60));

    const r = await decideApplication(db, await actorOfPerson(db, coordinator.id), {
      personId: suspended.id,
      decision: "suspend",
      now,
      ...WHERE,
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.handover.handovers.map((h) => [h.occurrenceId, h.outcome])).toEqual([
      [a.id, "reassigned"],
      [b.id, "cancelled"],
    ]);
    expect(await db.dropInSeries.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({
      facilitatorId: backup.id,
      backupFacilitatorId: suspended.id,
    });
    // No new sessions with a suspended lead; reinstated, the series picks up again.
    expect(await materializeOccurrences(db, alone.id, now)).toBe(0);
    const mail = await db.outboxMail.findMany({ where: { to: coordinator.email, text: { contains: "Split shifts" } } });
    expect(mail.map((m) => m.subject)).toEqual(["A facilitator was suspended: 1 session cancelled"]);
    await decideApplication(db, await actorOfPerson(db, coordinator.id), {
      personId: suspended.id,
      decision: "reinstate",
      now,
      ...WHERE,
    });
    expect(await materializeOccurrences(db, alone.id, now)).toBeGreaterThan(0);
  });
});

describe("forget me on this device", () => {
  it("erases the guest and every row keyed to them, keeping the 1:1 line's totals true", async () => {
    await closeWaitingRequests();
    const { guest } = await createGuest(db, { nickname: "Night Owl Zed", agreement: true }, now);
    const worker = { kind: "guest", id: guest.id } as const;
    const key = channelOf(worker);
    const vol = await person("Volunteer Vera", "vera@erasure.example");
    await startOnCall(db, { personId: vol.id, now });
    await touchOnCallPresence(db, { socketId: `oc-${vol.id}`, personId: vol.id, nodeId: "n1", now: later(1) });
    // One finished call, and a second request waiting with an offer pending.
    await requestTalk(db, {
      requester: worker,
      preferences: { experience: [] },
      now: later(1), // a worker's page must be open when the offer is made
      page: { socketId: "waiting-page-3", nodeId: "n1" },
    });
    await dispatchOffers(db, later(1));
    const first = await db.talkOffer.findFirstOrThrow({ where: { volunteerId: vol.id, status: "PENDING" } });
    const call = await acceptOffer(db, { offerId: first.id, volunteerId: vol.id, now: later(1) });
    if (!call.ok) throw new Error("accept failed");
    await endCall(db, { callId: call.callId, side: "worker", now: later(10) });
    await recordCallOutcome(db, {
      callId: call.callId,
      actor: { kind: "person", personId: vol.id, roles: ["VOLUNTEER"], status: "APPROVED" },
      after: { outcome: "listened-and-supported", safeguarding: "other", debrief: false },
      now: later(11),
      origin: WHERE.origin,
    });
    await requestTalk(db, {
      requester: worker,
      preferences: { experience: [] },
      now: later(13),
      page: { socketId: "waiting-page-4", nodeId: "n1" },
    });
    await touchOnCallPresence(db, { socketId: `oc-${vol.id}`, personId: vol.id, nodeId: "n1", now: later(13) });
    await dispatchOffers(db, later(13));
    expect(await db.talkOffer.count({ where: { volunteerId: vol.id, status: "PENDING" } })).toBe(1);
    const s = await series("Guest series", coordinator.id);
    const occ = await occurrence(s, later(120));
    await setAttendanceIntent(db, { kind: "guest", guestId: guest.id }, { occurrenceId: occ.id, intent: "join", now });
    // In a live room: a socket and side-chat lines of theirs, and someone else's line that stays.
    const alias = memberAlias(SECRET, occ.id, key);
    await db.liveRoom.create({ data: { occurrenceId: occ.id, state: {} } });
    await db.roomPresence.create({
      data: { socketId: "guest-socket", occurrenceId: occ.id, memberId: alias, nodeId: "n1", heartbeatAt: now },
    });
    await db.roomChatLine.createMany({
      data: [
        { occurrenceId: occ.id, seq: 1, memberId: alias, name: "Night Owl Zed", text: "it was a long night", at: now },
        { occurrenceId: occ.id, seq: 2, memberId: "m_someoneelse", name: "Kit", text: "same here", at: now },
      ],
    });
    const talkBefore = await talkAggregates(db, { from: later(-60), to: later(60), timeZone: "Europe/London" });
    const flagOfCall = async () => (await listSafeguardingFlags(db)).find((f) => f.id === flag.id);
    const flag = await db.safeguardingFlag.findFirstOrThrow({ where: { callId: call.callId } });
    // The concern raised after their call is about someone: the call's worker.
    expect(await flagOfCall()).toMatchObject({ fromCall: true, aboutSomeone: true });
    const theirs = (await db.talkRequest.findMany({ where: { requesterGuestId: guest.id }, select: { id: true } })).map(
      (r) => r.id,
    );
    expect(theirs).toHaveLength(2);

    const result = await forgetGuest(db, { guestId: guest.id, now: later(14), aliasSecret: SECRET });
    expect(result).toMatchObject({ ok: true, withdrawnOffers: [{ volunteerId: vol.id }] });

    expect(await rowsContaining([guest.id, "Night Owl Zed"])).toEqual({});
    expect(await db.attendanceIntent.count({ where: { occurrenceId: occ.id } })).toBe(0);
    expect(await db.roomPresence.count({ where: { occurrenceId: occ.id } })).toBe(0);
    expect((await db.roomChatLine.findMany({ where: { occurrenceId: occ.id } })).map((l) => l.name)).toEqual(["Kit"]);
    // The waiting request is closed, the volunteer is free again, and the totals still count both requests.
    expect(await db.talkOffer.count({ where: { volunteerId: vol.id, status: "PENDING" } })).toBe(0);
    const keys = await db.talkRequest.findMany({
      where: { id: { in: theirs } },
      select: { requesterPersonId: true, requesterGuestId: true, status: true },
    });
    expect(keys.map((k) => k.status).sort()).toEqual(["CANCELLED", "MATCHED"]);
    // Kept, naming nobody: linked to no one, nor to each other.
    expect(keys.map((k) => [k.requesterPersonId, k.requesterGuestId])).toEqual([
      [null, null],
      [null, null],
    ]);
    const talkAfter = await talkAggregates(db, { from: later(-60), to: later(60), timeZone: "Europe/London" });
    expect(talkAfter.requests).toBe(talkBefore.requests);
    // The concern stays counted, but no longer points at anyone.
    expect(await flagOfCall()).toMatchObject({ fromCall: true, aboutSomeone: false });

    // Again (a second tab): nothing left, said plainly, nothing changed.
    expect(await forgetGuest(db, { guestId: guest.id, now: later(15), aliasSecret: SECRET })).toEqual({
      ok: false,
      code: "not_found",
      message: "There is nothing to forget on this device.",
    });
  });
  it("a guest in a call: the call ends for both sides and is kept, counted, under a key that is nobody's", async () => {
    await closeWaitingRequests();
    const { guest } = await createGuest(db, { nickname: "Call Goer", agreement: true }, now);
    const vol = await person("Volunteer Wren", "wren@erasure.example");
    await startOnCall(db, { personId: vol.id, now });
    await touchOnCallPresence(db, { socketId: `oc-${vol.id}`, personId: vol.id, nodeId: "n1", now: later(1) });
    await requestTalk(db, {
      requester: { kind: "guest", id: guest.id },
      preferences: { experience: [] },
      now: later(1),
      page: { socketId: "waiting-page-5", nodeId: "n1" },
    });
    await dispatchOffers(db, later(1));
    const offer = await db.talkOffer.findFirstOrThrow({ where: { volunteerId: vol.id, status: "PENDING" } });
    const call = await acceptOffer(db, { offerId: offer.id, volunteerId: vol.id, now: later(1) });
    if (!call.ok) throw new Error("accept failed");

    const result = await forgetGuest(db, { guestId: guest.id, now: later(5), aliasSecret: SECRET });
    expect(result).toMatchObject({ ok: true, endedCalls: [call.callId] });
    const row = await db.talkCall.findUniqueOrThrow({ where: { id: call.callId } });
    expect(row).toMatchObject({ status: "ENDED", endedBy: "worker", endedAt: later(5), volunteerId: vol.id });
    expect(row).toMatchObject({ workerPersonId: null, workerGuestId: null });
    expect(await db.talkPresence.count({ where: { callId: call.callId } })).toBe(0);
  });
});
