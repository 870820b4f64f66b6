import { beforeAll, describe, expect, it } from "vitest";
import { guestChannel, personChannel } from "@offshift/core";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { createGuest, findGuestByToken, hashToken } from "./guests.js";
import { actorOfPerson } from "./actors.js";
import { decideApplication, submitVolunteerApplication } from "./applications.js";
import { erasePerson, exportPersonData } from "./account.js";
import { admitTicket, admitTickets, consumeTicket } from "./tickets.js";

let db: TestPrisma;
let coordinatorId: string;
const WHERE = {
  timeZone: "Europe/London",
  origin: "http://localhost:3000",
  aliasSecret: "test-alias-secret-that-is-long-enough",
};
const NOW = new Date("2026-11-30T12:00:00Z");

const database = useTestDatabase("people");

beforeAll(async () => {
  db = database.client();
  coordinatorId = (
    await db.person.create({
      data: {
        displayName: "Test Coordinator",
        email: "coord@test.example",
        roles: ["COORDINATOR"],
        status: "APPROVED",
      },
    })
  ).id;
});

const application = (email: string) => ({
  name: "Ama Owusu",
  email,
  languages: ["en" as const],
  experience: ["nights" as const],
  codeOfConduct: true as const,
});

describe("guests", () => {
  it("stores only a hash of the cookie token and finds the guest by it", async () => {
    const { guest, token } = await createGuest(db, { nickname: "Night Owl", agreement: true });
    const row = await db.guest.findUniqueOrThrow({ where: { id: guest.id } });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(await findGuestByToken(db, token)).toEqual({ id: guest.id, nickname: "Night Owl" });
    expect(await findGuestByToken(db, token + "x")).toBeNull();
    expect(await findGuestByToken(db, undefined)).toBeNull();
  });
});

describe("applications and decisions", () => {
  it("does not create a second person for a known email, and says so only to the server", async () => {
    const first = await submitVolunteerApplication(db, application("dup@test.example"));
    const again = await submitVolunteerApplication(db, { ...application("dup@test.example"), name: "Someone Else" });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(await db.person.count({ where: { email: "dup@test.example" } })).toBe(1);
    expect((await db.person.findUniqueOrThrow({ where: { email: "dup@test.example" } })).displayName).toBe("Ama Owusu");
  });

  it("approves once even when two coordinators click at the same moment, and audits it", async () => {
    const { personId } = await submitVolunteerApplication(db, application("race@test.example"));
    const results = await Promise.all([
      decideApplication(db, await actorOfPerson(db, coordinatorId), {
        personId: personId!,
        decision: "approve",
        now: NOW,
        ...WHERE,
      }),
      decideApplication(db, await actorOfPerson(db, coordinatorId), {
        personId: personId!,
        decision: "approve",
        now: NOW,
        ...WHERE,
      }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, code: "not_allowed_in_this_state" }]);
    expect(await db.auditEvent.count({ where: { subjectPersonId: personId!, action: "application.approve" } })).toBe(1);
  });

  it("suspending ends every session at once", async () => {
    const { personId } = await submitVolunteerApplication(db, application("suspend@test.example"));
    await decideApplication(db, await actorOfPerson(db, coordinatorId), {
      personId: personId!,
      decision: "approve",
      now: NOW,
      ...WHERE,
    });
    await db.session.createMany({
      data: [
        { id: "s1", token: "t1", userId: personId!, expiresAt: new Date(Date.now() + 86_400_000) },
        { id: "s2", token: "t2", userId: personId!, expiresAt: new Date(Date.now() + 86_400_000) },
      ],
    });
    const r = await decideApplication(db, await actorOfPerson(db, coordinatorId), {
      personId: personId!,
      decision: "suspend",
      now: NOW,
      ...WHERE,
    });
    expect(r).toMatchObject({ ok: true, endedSessions: 2, person: { status: "SUSPENDED" } });
    expect(await db.session.count({ where: { userId: personId! } })).toBe(0);
  });

  it("refuses unknown people, wrong states and deciding about oneself, changing nothing", async () => {
    expect(
      await decideApplication(db, await actorOfPerson(db, coordinatorId), {
        personId: "00000000-0000-4000-8000-000000000000",
        decision: "approve",
        now: NOW,
        ...WHERE,
      }),
    ).toMatchObject({ ok: false, code: "not_found" });
    expect(
      await decideApplication(db, await actorOfPerson(db, coordinatorId), {
        personId: coordinatorId,
        decision: "suspend",
        now: NOW,
        ...WHERE,
      }),
    ).toMatchObject({
      ok: false,
      code: "own_account",
    });
    const { personId } = await submitVolunteerApplication(db, application("state@test.example"));
    expect(
      await decideApplication(db, await actorOfPerson(db, coordinatorId), {
        personId: personId!,
        decision: "suspend",
        now: NOW,
        ...WHERE,
      }),
    ).toMatchObject({
      ok: false,
      code: "not_allowed_in_this_state",
    });
    expect((await db.person.findUniqueOrThrow({ where: { id: personId! } })).status).toBe("APPLIED");
  });
});

describe("a decision's effects, as data", () => {
  it("are checked against the actor: only a coordinator decides, and nothing changes otherwise", async () => {
    const { personId } = await submitVolunteerApplication(db, application("notyours@test.example"));
    const volunteer = { kind: "person", personId: personId!, roles: ["VOLUNTEER"], status: "APPROVED" } as const;
    const asVolunteer = await decideApplication(db, volunteer, {
      personId: coordinatorId,
      decision: "suspend",
      now: NOW,
      ...WHERE,
    });
    expect(asVolunteer).toEqual({
      ok: false,
      code: "forbidden",
      message: "Only a coordinator can decide about volunteers.",
    });
    expect((await db.person.findUniqueOrThrow({ where: { id: coordinatorId } })).status).toBe("APPROVED");
  });

  it("an approval asks for a sign-in link; a rejection signs the person out and mails them once", async () => {
    const coordinator = await actorOfPerson(db, coordinatorId);
    const decide = async (email: string, decision: "approve" | "reject") => {
      const { personId } = await submitVolunteerApplication(db, application(email));
      const result = await decideApplication(db, coordinator, { personId: personId!, decision, now: NOW, ...WHERE });
      return { personId, result };
    };
    expect((await decide("effects-yes@test.example", "approve")).result).toMatchObject({
      ok: true,
      effects: [{ kind: "signInLink", email: "effects-yes@test.example", purpose: "approved" }],
    });

    const rejected = await decide("effects-no@test.example", "reject");
    const no = rejected.result;
    if (!no.ok) throw new Error(no.message);
    expect(no.effects.map((e) => e.kind)).toEqual(["disconnectPerson", "mail"]);
    expect(no.effects[0]).toEqual({ kind: "disconnectPerson", personId: rejected.personId });
    expect(no.effects[1]).toMatchObject({
      kind: "mail",
      to: "effects-no@test.example",
      subject: "Your Offshift volunteer application",
    });
  });
});

describe("an erasure's effects, as data", () => {
  it("sign the person out everywhere and tell the 1:1 line, with the erasure's own instant", async () => {
    const { personId } = await submitVolunteerApplication(db, application("effects-erase@test.example"));
    const erased = await erasePerson(db, { personId: personId!, now: NOW, ...WHERE });
    if (!erased.ok) throw new Error(erased.message);
    expect(erased.effects).toEqual([
      { kind: "disconnectPerson", personId },
      { kind: "talkOffersClosed", offers: [] },
      { kind: "callsEnded", callIds: [], at: NOW },
    ]);
  });
});

describe("privacy", () => {
  it("exports a person's data and erases it, keeping an anonymous shell", async () => {
    const { personId } = await submitVolunteerApplication(db, application("erase@test.example"));
    const exported = await exportPersonData(db, personId!, new Date("2026-11-30T12:00:00Z"));
    expect(exported?.person).toMatchObject({
      email: "erase@test.example",
      displayName: "Ama Owusu",
      languages: ["en"],
    });
    await db.session.create({
      data: { id: "s3", token: "t3", userId: personId!, expiresAt: new Date(Date.now() + 1e6) },
    });

    const erase = () => erasePerson(db, { personId: personId!, now: new Date("2026-11-30T12:00:00Z"), ...WHERE });
    expect(await erase()).toMatchObject({ ok: true, handovers: [] });
    // The shell is re-keyed: the old id now finds nothing, and a second erasure says so.
    expect(await erase()).toMatchObject({ ok: false, code: "not_found" });
    const row = await db.person.findFirstOrThrow({ where: { erasedAt: new Date("2026-11-30T12:00:00Z") } });
    expect(row).toMatchObject({
      email: null,
      displayName: "Former volunteer",
      languages: [],
      experience: [],
      status: "SUSPENDED",
    });
    expect(await db.session.count({ where: { userId: personId! } })).toBe(0);
  });
});

describe("socket tickets", () => {
  it("can be used once", async () => {
    const exp = new Date(Date.now() + 60_000);
    const results = await Promise.all([consumeTicket(db, "jti-1", exp), consumeTicket(db, "jti-1", exp)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await consumeTicket(db, "jti-1", exp)).toBe(false);
    expect(await consumeTicket(db, "jti-2", exp)).toBe(true);
  });

  it("admitting one reads who the socket is in a room, in the same statement, and nothing on a replay", async () => {
    const exp = new Date(Date.now() + 60_000);
    const guest = await db.guest.create({
      data: { nickname: "Night Owl", tokenHash: hashToken("admit-guest"), agreementAcceptedAt: NOW },
    });
    const approved = await db.person.create({
      data: { displayName: "Ama Owusu", email: "ama.admit@test.example", roles: ["VOLUNTEER"], status: "APPROVED" },
    });
    const pending = await db.person.create({
      data: { displayName: "Pat Pending", email: "pat.admit@test.example", roles: ["VOLUNTEER"], status: "APPLIED" },
    });
    expect(
      await admitTicket(db, { jti: "admit-guest-1", expiresAt: exp, actor: { kind: "guest", guestId: guest.id } }),
    ).toEqual({
      fresh: true,
      identity: { key: guestChannel(guest.id), name: "Night Owl", personId: null },
    });
    expect(
      await admitTicket(db, {
        jti: "admit-person-1",
        expiresAt: exp,
        actor: { kind: "person", personId: approved.id },
      }),
    ).toEqual({
      fresh: true,
      identity: { key: personChannel(approved.id), name: "Ama", personId: approved.id },
    });
    // Not approved, a visitor: admitted, but nobody in a room.
    expect(
      await admitTicket(db, { jti: "admit-person-2", expiresAt: exp, actor: { kind: "person", personId: pending.id } }),
    ).toEqual({
      fresh: true,
      identity: null,
    });
    expect(await admitTicket(db, { jti: "admit-visitor-1", expiresAt: exp, actor: { kind: "visitor" } })).toEqual({
      fresh: true,
      identity: null,
    });
    expect(
      await admitTicket(db, { jti: "admit-guest-1", expiresAt: exp, actor: { kind: "guest", guestId: guest.id } }),
    ).toEqual({
      fresh: false,
    });
  });
});

describe("socket tickets admitted together", () => {
  it("answers each in the order given, reads each identity, and lets a jti in twice (in one batch or two) through once", async () => {
    const exp = new Date(Date.now() + 60_000);
    const guest = await db.guest.create({
      data: { nickname: "Batch Owl", tokenHash: hashToken("batch-guest"), agreementAcceptedAt: NOW },
    });
    const approved = await db.person.create({
      data: { displayName: "Bea Batch", email: "bea.batch@test.example", roles: ["VOLUNTEER"], status: "APPROVED" },
    });
    await consumeTicket(db, "batch-used-before", exp);
    const answers = await admitTickets(db, [
      { jti: "batch-1", expiresAt: exp, actor: { kind: "person", personId: approved.id } },
      { jti: "batch-2", expiresAt: exp, actor: { kind: "guest", guestId: guest.id } },
      { jti: "batch-1", expiresAt: exp, actor: { kind: "guest", guestId: guest.id } },
      { jti: "batch-used-before", expiresAt: exp, actor: { kind: "visitor" } },
      { jti: "batch-3", expiresAt: exp, actor: { kind: "visitor" } },
    ]);
    expect(answers).toEqual([
      { fresh: true, identity: { key: personChannel(approved.id), name: "Bea", personId: approved.id } },
      { fresh: true, identity: { key: guestChannel(guest.id), name: "Batch Owl", personId: null } },
      { fresh: false },
      { fresh: false },
      { fresh: true, identity: null },
    ]);
    expect(await admitTickets(db, [])).toEqual([]);
    // Two batches racing for the same jti: one wins.
    const [a, b] = await Promise.all([
      admitTickets(db, [{ jti: "batch-race", expiresAt: exp, actor: { kind: "visitor" } }]),
      admitTickets(db, [
        { jti: "batch-4", expiresAt: exp, actor: { kind: "visitor" } },
        { jti: "batch-race", expiresAt: exp, actor: { kind: "visitor" } },
      ]),
    ]);
    expect([a[0]!.fresh, b[1]!.fresh].sort()).toEqual([false, true]);
    expect(b[0]).toEqual({ fresh: true, identity: null });
  });
});

describe("erasure and reminders", () => {
  it("deletes the person's reminder requests and undelivered mail to their address, and nobody else's", async () => {
    const make = (email: string) =>
      db.person.create({ data: { displayName: "Reminder Worker", email, roles: ["WORKER"], status: "APPROVED" } });
    const leaving = await make("leaving@test.example");
    const staying = await make("staying@test.example");
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "Bereavement",
        description: "x",
        capacity: 8,
        durationMinutes: 45,
        rrule: "FREQ=WEEKLY;BYDAY=MO",
        startsOnLocal: "2026-01-05T21:00:00",
        facilitatorId: coordinatorId,
      },
    });
    const startsAt = new Date("2026-12-07T21:00:00Z");
    const occ = await db.dropInOccurrence.create({
      data: {
        seriesId: series.id,
        originalStart: startsAt,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 45 * 60_000),
        title: series.title,
        theme: series.theme,
        description: series.description,
        capacity: 8,
      },
    });
    for (const p of [leaving, staying]) {
      await db.reminderRequest.createMany({
        data: [
          { personId: p.id, seriesId: series.id, occurrenceId: occ.id },
          { personId: p.id, seriesId: series.id, occurrenceId: null },
        ],
      });
      await db.outboxMail.createMany({
        data: [
          { dedupeKey: `reminder:${p.id}:${occ.id}`, to: p.email!, subject: "Reminder", text: "x" },
          { dedupeKey: `sent:${p.id}`, to: p.email!, subject: "Sent", text: "x", sentAt: new Date() },
        ],
      });
    }
    // Addresses are compared without regard to case.
    await db.outboxMail.create({
      data: { dedupeKey: "upper", to: "Leaving@Test.Example", subject: "Reminder", text: "x" },
    });

    const erased = await erasePerson(db, { personId: leaving.id, now: new Date("2026-11-30T12:00:00Z"), ...WHERE });
    expect(erased.ok).toBe(true);
    expect(await db.reminderRequest.count({ where: { personId: leaving.id } })).toBe(0);
    expect(await db.reminderRequest.count({ where: { personId: staying.id } })).toBe(2);
    const left = await db.outboxMail.findMany({ select: { dedupeKey: true }, orderBy: { dedupeKey: "asc" } });
    // Sent mail to them goes too: it holds their address.
    expect(left.map((m) => m.dedupeKey).sort()).toEqual(
      [`reminder:${staying.id}:${occ.id}`, `sent:${staying.id}`].sort(),
    );
  });
});
