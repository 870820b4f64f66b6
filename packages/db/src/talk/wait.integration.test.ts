import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "../client.js";
import { testPrisma, type TestPrisma } from "../testing/prisma.js";
import { createTestDatabase } from "../testing/index.js";
import { namedGuests } from "../testing/guests.js";
import { startOnCall, touchOnCallPresence } from "./oncall.js";
import { recentAnswers, requestTalk, talkStatus } from "./requests.js";

// The wait a queued worker sees is learned from the line's recent answers.
let db: TestPrisma;
let drop: () => Promise<void>;
const now = new Date("2026-11-24T23:30:00Z");
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const { guest } = namedGuests(() => db);

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "talkwait");
  drop = t.drop;
  db = testPrisma(createDb(t.url));
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

/** A call answered `answerMin` after its offer went out, lasting `callMin` (or still going). */
async function pastCall(volunteerId: string, startedMinAgo: number, answerMin: number, callMin: number | null) {
  const worker = await guest(`past-${Math.random()}`);
  const request = await db.talkRequest.create({
    data: { requesterGuestId: worker.id, status: "MATCHED", createdAt: ago(startedMinAgo + answerMin) },
  });
  await db.talkOffer.create({
    data: {
      requestId: request.id,
      volunteerId,
      status: "ACCEPTED",
      createdAt: ago(startedMinAgo + answerMin),
      expiresAt: ago(startedMinAgo + answerMin - 0.5),
    },
  });
  await db.talkCall.create({
    data: {
      requestId: request.id,
      volunteerId,
      workerGuestId: worker.id,
      status: callMin === null ? "ACTIVE" : "ENDED",
      startedAt: ago(startedMinAgo),
      endedAt: callMin === null ? null : ago(startedMinAgo - callMin),
    },
  });
}

describe("a queued worker's wait", () => {
  it("is learned from how fast volunteers answered and how long calls lasted tonight", async () => {
    const v = await db.person.create({ data: { displayName: "Vol Wait", roles: ["VOLUNTEER"], status: "APPROVED" } });
    // Tonight: answered in 2 min, calls of about 20 min; one older than a day does not count.
    await pastCall(v.id, 200, 2, 20);
    await pastCall(v.id, 150, 2, 19);
    await pastCall(v.id, 100, 3, 21);
    await pastCall(v.id, 2000, 30, 120);
    expect(await recentAnswers(db, now)).toEqual({
      answerMs: [180_000, 120_000, 120_000],
      callMs: [21 * 60_000, 19 * 60_000, 20 * 60_000],
    });

    // The one volunteer on call is busy in a call: the worker is one round of calls away.
    await startOnCall(db, { personId: v.id, now: ago(120) }); // ad hoc on call lasts at most four hours
    await touchOnCallPresence(db, { socketId: "v1", personId: v.id, nodeId: "n1", now });
    await pastCall(v.id, 5, 1, null);
    await requestTalk(db, {
      requester: await guest("waiting"),
      preferences: { experience: [] },
      now,
      page: { socketId: "w", nodeId: "n1" },
    });
    expect(await talkStatus(db, { requester: await guest("waiting"), now })).toMatchObject({
      state: "waiting",
      position: 1,
      estimatedWaitMinutes: 2 + 20,
    });
  });
});
