import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RoomCommand } from "@offshift/core";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { cancelOccurrence, createSeries } from "../dropins/series.js";
import { nightRecurrence, nightSeries } from "../testing/series-fixture.js";
import { listSafeguardingFlags, reviewSafeguardingFlag } from "../safeguarding.js";
import {
  AUTO_END_AFTER_MINUTES,
  CHAT_BUFFER,
  endOverdueRooms,
  chatSince,
  dropAbsentMember,
  dropAbsentMembers,
  dropRoomPresence,
  dropVouchedPresence,
  loadRoomContext,
  reconcilePresenceRows,
  readLiveRoom,
  reapStaleMembers,
  runRoomCommand,
  touchRoomPresence,
  type RoomContext,
} from "./live.js";

let db: TestPrisma;
let url: string;
let drop: () => Promise<void>;
let leadId: string;
let ctx: RoomContext;
const created = new Date("2026-11-30T12:00:00Z");

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "live_room");
  drop = t.drop;
  url = t.url;
  db = testPrisma(createDb(t.url));
  leadId = (
    await db.person.create({
      data: { displayName: "Lee Lead", roles: ["FACILITATOR"], status: "APPROVED" },
      select: { id: true },
    })
  ).id;
  const made = await createSeries(db, {
    ...nightSeries(leadId, { capacity: 2, recurrence: nightRecurrence({ days: ["TU"] }) }),
    timeZone: "Europe/London",
    now: created,
  });
  if (!made.ok) throw new Error(made.message);
  const first = await db.dropInOccurrence.findFirstOrThrow({
    where: { seriesId: made.seriesId },
    orderBy: { startsAt: "asc" },
  });
  ctx = (await loadRoomContext(db, first.id))!;
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

const at = (minutes: number) => new Date(ctx.startsAt.getTime() + minutes * 60_000);
const alias = (n: number) => `m_${String(n).padStart(16, "0")}`;
const facilitator = { id: alias(1), name: "Lee", facilitator: true };
const worker = (n: number) => ({ id: alias(n), name: `Owl ${n}`, facilitator: false, personId: null });
const run = (
  actor: { id: string; name: string; facilitator: boolean; personId: string | null },
  command: RoomCommand,
  now: Date,
) => runRoomCommand(db, { context: ctx, actor, command, now });
const join = { name: "room:join", payload: { occurrenceId: "", listenOnly: false } } as const;
const joinCmd = (): RoomCommand => ({ ...join, payload: { ...join.payload, occurrenceId: ctx.occurrenceId } });

describe("live room state in PostgreSQL", () => {
  it("refuses joining before the lobby opens and runs the room from the lobby on", async () => {
    expect(await run(worker(2), joinCmd(), at(-11))).toMatchObject({ ok: false, error: { code: "not_open" } });
    expect(await db.liveRoom.count()).toBe(0);
    expect(await run(worker(2), joinCmd(), at(-9))).toMatchObject({ ok: true, snapshot: { phase: "lobby" } });
    const lead = { ...facilitator, personId: leadId };
    const opened = await run(lead, { name: "mod:open", payload: {} }, at(-1));
    expect(opened).toMatchObject({ ok: true, snapshot: { phase: "live" } });
    expect(await db.dropInOccurrence.findUniqueOrThrow({ where: { id: ctx.occurrenceId } })).toMatchObject({
      openedAt: at(-1),
      openedById: leadId,
    });
  });

  it("seats exactly the capacity when many join at once (the room row is locked)", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => run(worker(10 + i), joinCmd(), at(1))));
    // One place was left (worker 2 is seated, capacity 2).
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error.code === "full")).toHaveLength(11);
    const snap = (await readLiveRoom(db, ctx.occurrenceId))!;
    expect(snap.members.filter((m) => !m.facilitator)).toHaveLength(2);
    expect(snap.placesLeft).toBe(0);
  });

  it("keeps a bounded side-chat buffer for replay", async () => {
    for (let i = 0; i < CHAT_BUFFER + 5; i++)
      expect(await run(worker(2), { name: "room:chat", payload: { text: `line ${i}` } }, at(2))).toMatchObject({
        ok: true,
      });
    const all = await chatSince(db, ctx.occurrenceId, 0);
    expect(all).toHaveLength(CHAT_BUFFER);
    expect(all.at(-1)).toMatchObject({ seq: CHAT_BUFFER + 5, text: `line ${CHAT_BUFFER + 4}`, name: "Owl 2" });
    expect(await chatSince(db, ctx.occurrenceId, CHAT_BUFFER + 3)).toHaveLength(2);
    // Each line said takes out the one that falls out of the buffer: exactly the buffer is kept.
    const prisma = testPrisma(db);
    expect(await prisma.roomChatLine.count({ where: { occurrenceId: ctx.occurrenceId } })).toBe(CHAT_BUFFER);
    // A line left from before (kept by an older version) never pushes the newest out of a replay.
    await prisma.roomChatLine.create({
      data: { occurrenceId: ctx.occurrenceId, seq: 0, memberId: "m_old", name: "Old", text: "stale", at: new Date() },
    });
    const replay = await chatSince(db, ctx.occurrenceId, -1);
    expect(replay).toHaveLength(CHAT_BUFFER);
    expect(replay[0]!.seq).toBe(6);
    expect(replay.at(-1)!.seq).toBe(CHAT_BUFFER + 5);
    await prisma.roomChatLine.deleteMany({ where: { occurrenceId: ctx.occurrenceId, seq: 0 } });
  });

  it("survives a restart: another client (another node) sees the same room", async () => {
    const other = testPrisma(createDb(url));
    try {
      expect((await readLiveRoom(other, ctx.occurrenceId))!.members.map((m) => m.name)).toContain("Owl 2");
    } finally {
      await closeDb(other);
    }
  });

  it("a removal sticks and is audited; a worker cannot remove anyone", async () => {
    const lead = { ...facilitator, personId: leadId };
    // Moderating needs the facilitator in the room.
    expect(await run(lead, joinCmd(), at(3))).toMatchObject({ ok: true });
    const target = (await readLiveRoom(db, ctx.occurrenceId))!.members.find((m) => m.name === "Owl 2")!;
    expect(await run(worker(3), { name: "mod:remove", payload: { participantId: target.id } }, at(3))).toMatchObject({
      ok: false,
    });
    expect(await run(lead, { name: "mod:remove", payload: { participantId: target.id } }, at(3))).toMatchObject({
      ok: true,
      effects: [{ kind: "removed" }],
    });
    expect(await run(worker(2), joinCmd(), at(4))).toMatchObject({ ok: false, error: { code: "removed" } });
    expect(await db.auditEvent.count({ where: { action: "room.remove" } })).toBe(1);
  });

  it("records a safeguarding concern for coordinators, reviewed once", async () => {
    const lead = { ...facilitator, personId: leadId };
    const about = (await readLiveRoom(db, ctx.occurrenceId))!.members.find((m) => !m.facilitator)!;
    expect(
      await run(lead, { name: "mod:flag", payload: { category: "risk-to-self", participantId: about.id } }, at(5)),
    ).toMatchObject({ ok: true, effects: [{ kind: "flag" }] });
    const [flag] = await listSafeguardingFlags(db);
    expect(flag).toMatchObject({
      category: "risk-to-self",
      raisedBy: "Lee",
      session: "Lone working at night",
      aboutSomeone: true,
      reviewedAt: null,
    });
    const now = at(30);
    const coordinatorId = (
      await db.person.create({
        data: { displayName: "Cass Coordinator", roles: ["COORDINATOR"], status: "APPROVED" },
        select: { id: true },
      })
    ).id;
    const coordinator = {
      kind: "person",
      personId: coordinatorId,
      roles: ["COORDINATOR"],
      status: "APPROVED",
    } as const;
    // Reviewing is a coordinator's job: the facilitator who raised it cannot mark it reviewed.
    expect(
      await reviewSafeguardingFlag(
        db,
        { kind: "person", personId: leadId, roles: ["FACILITATOR"], status: "APPROVED" },
        {
          flagId: flag!.id,
          now,
        },
      ),
    ).toMatchObject({ ok: false, code: "forbidden" });
    expect(await reviewSafeguardingFlag(db, coordinator, { flagId: flag!.id, now })).toEqual({ ok: true, effects: [] });
    expect(await reviewSafeguardingFlag(db, coordinator, { flagId: flag!.id, now })).toEqual({
      ok: false,
      code: "already_reviewed",
      message: "That concern was already reviewed.",
    });
    expect(await db.auditEvent.count({ where: { action: { in: ["safeguarding.flag", "safeguarding.review"] } } })).toBe(
      2,
    );
    expect(
      await reviewSafeguardingFlag(db, coordinator, { flagId: "00000000-0000-4000-8000-000000000000", now }),
    ).toEqual({ ok: false, code: "not_found", message: "That concern could not be found." });
  });

  it("takes members with no live socket out of the room, but not those who reconnected", async () => {
    const snap = (await readLiveRoom(db, ctx.occurrenceId))!;
    const stayer = snap.members.find((m) => !m.facilitator)!;
    expect(snap.members.length).toBeGreaterThan(1);
    await touchRoomPresence(db, {
      socketId: "s-new",
      occurrenceId: ctx.occurrenceId,
      memberId: stayer.id,
      nodeId: "node-b",
      now: at(10),
    });
    // Not yet stale (everyone joined within the window): nobody is taken out.
    expect(await reapStaleMembers(db, at(10), 24 * 3600_000)).toEqual([]);
    const changed = await reapStaleMembers(db, at(10), 30_000);
    // One change for everyone taken out, and the snapshot to send is the room as stored.
    const stored = (await readLiveRoom(db, ctx.occurrenceId))!;
    expect(changed).toEqual([{ occurrenceId: ctx.occurrenceId, snapshot: stored }]);
    expect(stored.version).toBe(snap.version + 1);
    // Once they are out, the next pass finds nobody.
    expect(await reapStaleMembers(db, at(10), 30_000)).toEqual([]);
    // The facilitator had no live socket either, so only the stayer remains.
    expect(stored.members.map((m) => m.id)).toEqual([stayer.id]);
  });

  it("a member whose every connection went leaves at once; another server's rows are refreshed or dropped as it says", async () => {
    const lead = { ...facilitator, personId: leadId };
    expect(await run(lead, joinCmd(), at(11))).toMatchObject({ ok: true });
    const stayer = (await readLiveRoom(db, ctx.occurrenceId))!.members.find((m) => !m.facilitator)!;
    // The facilitator is held by an audio-server row only; the stayer by a socket.
    const row = (socketId: string, memberId: string, minute: number) =>
      touchRoomPresence(db, { socketId, occurrenceId: ctx.occurrenceId, memberId, nodeId: "livekit", now: at(minute) });
    await row("audio:lead", facilitator.id, 11);
    expect(await dropAbsentMember(db, { occurrenceId: ctx.occurrenceId, memberId: stayer.id, now: at(11) })).toBeNull();

    // Asked at the moment the row was touched: a join reported meanwhile is kept.
    const ask = (absent: string[], present: string[], minute: number) =>
      reconcilePresenceRows(db, {
        occurrenceId: ctx.occurrenceId,
        present,
        absent,
        listedAt: at(minute),
        now: at(minute),
      });
    expect(await ask(["audio:lead"], [], 11)).toEqual([]);
    // Asked later and not held there: the row goes, and with nothing else the facilitator leaves.
    expect(await ask(["audio:lead"], [], 12)).toEqual([facilitator.id]);
    const version = (await readLiveRoom(db, ctx.occurrenceId))!.version;
    const after = await dropAbsentMember(db, { occurrenceId: ctx.occurrenceId, memberId: facilitator.id, now: at(12) });
    expect(after).toMatchObject({ version: version + 1 });
    expect(after!.members.map((m) => m.id)).toEqual([stayer.id]);
    // A repeat changes nothing.
    expect(
      await dropAbsentMember(db, { occurrenceId: ctx.occurrenceId, memberId: facilitator.id, now: at(12) }),
    ).toBeNull();

    // Rows the server still holds are refreshed; the stayer, on audio alone, keeps the seat.
    await row("audio:stayer", stayer.id, 11);
    expect(await ask([], ["audio:stayer"], 13)).toEqual([]);
    expect(await db.roomPresence.findUnique({ where: { socketId: "audio:stayer" } })).toMatchObject({
      heartbeatAt: at(13),
    });
    await dropRoomPresence(db, "s-new");
    expect(await dropAbsentMember(db, { occurrenceId: ctx.occurrenceId, memberId: stayer.id, now: at(13) })).toBeNull();
    expect((await readLiveRoom(db, ctx.occurrenceId))!.members.map((m) => m.id)).toEqual([stayer.id]);

    // Several at once (a room's disconnects waiting for its turn): whoever is present keeps the seat, the
    // rest leave in one change.
    expect(await run(lead, joinCmd(), at(13))).toMatchObject({ ok: true });
    const both = (await readLiveRoom(db, ctx.occurrenceId))!;
    expect(both.members.map((m) => m.id).sort()).toEqual([facilitator.id, stayer.id].sort());
    const one = await dropAbsentMembers(db, {
      occurrenceId: ctx.occurrenceId,
      memberIds: [stayer.id, facilitator.id],
      now: at(13),
    });
    expect(one).toMatchObject({ version: both.version + 1 });
    expect(one!.members.map((m) => m.id)).toEqual([stayer.id]);

    // The audio server says one participant left, then that its room finished: only its rows in this room go.
    const otherId = (await db.dropInOccurrence.findFirstOrThrow({ where: { id: { not: ctx.occurrenceId } } })).id;
    await db.liveRoom.create({ data: { occurrenceId: otherId, state: {} } });
    await row("audio:other", stayer.id, 13);
    await touchRoomPresence(db, {
      socketId: "audio:elsewhere",
      occurrenceId: otherId,
      memberId: stayer.id,
      nodeId: "livekit",
      now: at(13),
    });
    await dropVouchedPresence(db, { occurrenceId: ctx.occurrenceId, socketId: "audio:other" });
    const rows = async () =>
      (await db.roomPresence.findMany({ orderBy: { socketId: "asc" } })).map(
        (r) => `${r.occurrenceId === otherId ? "other" : "this"} ${r.socketId}`,
      );
    expect(await rows()).not.toContain("this audio:other");
    expect(await rows()).toContain("this audio:stayer");
    await dropVouchedPresence(db, { occurrenceId: ctx.occurrenceId, prefix: "audio:" });
    expect((await rows()).filter((r) => r.includes("audio:"))).toEqual(["other audio:elsewhere"]);
    await dropVouchedPresence(db, { occurrenceId: otherId, prefix: "audio:" });
    await db.liveRoom.delete({ where: { occurrenceId: otherId } });
  });

  it("ending the session deletes side-chat and closes the room for good", async () => {
    const lead = { ...facilitator, personId: leadId };
    await run(lead, joinCmd(), at(20));
    expect(await run(lead, { name: "mod:end", payload: {} }, at(21))).toMatchObject({
      ok: true,
      snapshot: { phase: "ended", members: [] },
    });
    expect(await db.roomChatLine.count({ where: { occurrenceId: ctx.occurrenceId } })).toBe(0);
    expect(await run(worker(30), joinCmd(), at(22))).toMatchObject({ ok: false, error: { code: "ended" } });
  });

  it("closes a room nobody ended, once, after the grace period", async () => {
    const next = await db.dropInOccurrence.findFirstOrThrow({
      where: { series: { facilitatorId: leadId }, startsAt: { gt: ctx.endsAt } },
      orderBy: { startsAt: "asc" },
    });
    const other = (await loadRoomContext(db, next.id))!;
    const joined = await runRoomCommand(db, {
      context: other,
      actor: worker(40),
      command: { name: "room:join", payload: { occurrenceId: other.occurrenceId, listenOnly: false } },
      now: new Date(other.startsAt.getTime() - 60_000),
    });
    expect(joined).toMatchObject({ ok: true });
    const afterEnd = (minutes: number) => new Date(other.endsAt.getTime() + minutes * 60_000);
    expect(await endOverdueRooms(db, afterEnd(AUTO_END_AFTER_MINUTES - 1))).toEqual([]);
    const [a, b] = await Promise.all([
      endOverdueRooms(db, afterEnd(AUTO_END_AFTER_MINUTES + 1)),
      endOverdueRooms(db, afterEnd(AUTO_END_AFTER_MINUTES + 1)),
    ]);
    expect([...a, ...b]).toEqual([other.occurrenceId]);
    expect(await readLiveRoom(db, other.occurrenceId)).toMatchObject({ phase: "ended", members: [] });
  });

  it("tells a worker a session nobody opened is not going ahead, and a cancelled one is cancelled", async () => {
    const later = await db.dropInOccurrence.findMany({
      where: { series: { facilitatorId: leadId }, startsAt: { gt: ctx.endsAt } },
      orderBy: { startsAt: "asc" },
      skip: 1,
      take: 2,
    });
    const unopened = (await loadRoomContext(db, later[0]!.id))!;
    const joinAt = (c: RoomContext, minutes: number, actor: Parameters<typeof run>[0] = worker(50)) =>
      runRoomCommand(db, {
        context: c,
        actor,
        command: { name: "room:join", payload: { occurrenceId: c.occurrenceId, listenOnly: false } },
        now: new Date(c.startsAt.getTime() + minutes * 60_000),
      });
    // Late (inside the grace period): the lobby still takes them.
    expect(await joinAt(unopened, 14)).toMatchObject({ ok: true, snapshot: { phase: "lobby" } });
    // Past it: not going ahead, in plain words, and the seat they had is not kept open for them.
    const refused = await joinAt(unopened, 16);
    expect(refused).toMatchObject({ ok: false, error: { code: "not_running" } });
    expect(!refused.ok && refused.error.message).toContain("isn't going ahead");
    // The facilitator can still come in and open it.
    expect(await joinAt(unopened, 16, { ...facilitator, personId: leadId })).toMatchObject({ ok: true });

    await db.dropInOccurrence.update({ where: { id: later[1]!.id }, data: { status: "CANCELLED" } });
    const cancelled = (await loadRoomContext(db, later[1]!.id))!;
    const no = await joinAt(cancelled, -5);
    expect(no).toMatchObject({ ok: false, error: { code: "cancelled" } });
    expect(!no.ok && no.error.message).toContain("cancelled");
  });

  it("on the built-in audio keeps two places for the people running the room, even before they come", async () => {
    const next = await db.dropInOccurrence.findMany({
      where: { series: { facilitatorId: leadId }, startsAt: { gt: ctx.endsAt } },
      orderBy: { startsAt: "asc" },
      skip: 3,
      take: 1,
    });
    await db.dropInOccurrence.update({ where: { id: next[0]!.id }, data: { capacity: 12 } });
    const c = (await loadRoomContext(db, next[0]!.id))!;
    // Four voices: two for workers, two kept for the facilitators (FACILITATOR_PLACES).
    const cap = { count: 4, message: "full" };
    const joinAs = (actor: Parameters<typeof run>[0]) =>
      runRoomCommand(db, {
        context: c,
        actor,
        command: { name: "room:join", payload: { occurrenceId: c.occurrenceId, listenOnly: true } },
        now: new Date(c.startsAt.getTime() - 60_000),
        maxMembers: cap,
      });
    expect(await joinAs(worker(60))).toMatchObject({ ok: true });
    expect(await joinAs(worker(61))).toMatchObject({ ok: true });
    expect(await joinAs(worker(62))).toMatchObject({ ok: false, error: { code: "full", message: "full" } });
    expect(await joinAs({ ...facilitator, personId: leadId })).toMatchObject({ ok: true });
    expect((await readLiveRoom(db, c.occurrenceId))!.members).toHaveLength(3);
  });
});

describe("cancelling a session while its room is open", () => {
  it("ends the room as mod:end does: members out, side-chat and presence gone, audited, nothing more accepted", async () => {
    const later = (
      await db.dropInOccurrence.findMany({
        where: {
          seriesId: (await db.dropInOccurrence.findUniqueOrThrow({ where: { id: ctx.occurrenceId } })).seriesId,
        },
        orderBy: { startsAt: "asc" },
      })
    ).at(-1)!; // a session no other test here has used
    const c2 = (await loadRoomContext(db, later.id))!;
    const when = (m: number) => new Date(c2.startsAt.getTime() + m * 60_000);
    const lead = { ...facilitator, personId: leadId };
    const go = (actor: Parameters<typeof run>[0], command: RoomCommand, now: Date, context = c2) =>
      runRoomCommand(db, { context, actor, command, now });
    const joinIt: RoomCommand = { name: "room:join", payload: { occurrenceId: c2.occurrenceId, listenOnly: false } };
    expect(await go(lead, joinIt, when(-5))).toMatchObject({ ok: true });
    expect(await go(worker(3), joinIt, when(-5))).toMatchObject({ ok: true });
    expect(await go(lead, { name: "mod:open", payload: {} }, when(0))).toMatchObject({ ok: true });
    expect(await go(worker(3), { name: "room:chat", payload: { text: "rough night" } }, when(1))).toMatchObject({
      ok: true,
    });
    await touchRoomPresence(db, {
      socketId: "s-cancel",
      occurrenceId: c2.occurrenceId,
      memberId: alias(3),
      nodeId: "n",
      now: when(1),
    });

    const leadActor = { kind: "person", personId: leadId, roles: ["FACILITATOR"], status: "APPROVED" } as const;
    const cancelled = await cancelOccurrence(db, leadActor, { occurrenceId: c2.occurrenceId, now: when(2) });
    expect(cancelled).toEqual({
      ok: true,
      occurrenceId: c2.occurrenceId,
      roomEnded: true,
      effects: [
        { kind: "roomCancelled", occurrenceId: c2.occurrenceId },
        { kind: "scheduleChanged", change: { occurrenceId: c2.occurrenceId, change: "cancelled" } },
      ],
    });
    expect(await readLiveRoom(db, c2.occurrenceId)).toMatchObject({ phase: "ended", members: [], hands: [] });
    expect(await chatSince(db, c2.occurrenceId, 0)).toEqual([]);
    expect(await db.roomPresence.count({ where: { occurrenceId: c2.occurrenceId } })).toBe(0);
    expect(
      await db.auditEvent.count({
        where: { action: "room.end", details: { path: ["occurrenceId"], equals: c2.occurrenceId } },
      }),
    ).toBe(1);
    const after = (await loadRoomContext(db, c2.occurrenceId))!;
    expect(await go(worker(3), { name: "room:chat", payload: { text: "hello?" } }, when(3), after)).toMatchObject({
      ok: false,
      error: { code: "cancelled" },
    });
  });
});
