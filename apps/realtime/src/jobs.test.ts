import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { startHorizonJob } from "./jobs.js";
import { eventually, silentLogger } from "./test-helpers.js";

let db: TestPrisma;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "jobs");
  url = t.url;
  drop = t.drop;
  db = testPrisma(createDb(url));
});
afterAll(async () => {
  await closeDb(db);
  await drop();
});

describe("horizon job", () => {
  it("materialises occurrences for a series that has none yet, on start", async () => {
    const f = await db.person.create({
      data: { displayName: "Job Facilitator", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const s = await db.dropInSeries.create({
      data: {
        title: "Job test",
        theme: "Just offload",
        description: "x",
        capacity: 8,
        durationMinutes: 45,
        rrule: "FREQ=WEEKLY;BYDAY=MO",
        startsOnLocal: "2026-01-05T21:00:00",
        facilitatorId: f.id,
      },
    });
    const stop = startHorizonJob(url, silentLogger);
    try {
      const n = await eventually(
        () => db.dropInOccurrence.count({ where: { seriesId: s.id, startsAt: { gt: new Date() } } }),
        (count) => count >= 7,
      );
      expect(n).toBeLessThanOrEqual(9); // 8 weeks of Mondays
    } finally {
      await stop();
    }
  });

  it("materialises rota slots 28 days ahead for active templates only, from the clock it is given", async () => {
    const active = await db.rotaTemplate.create({
      data: {
        name: "Job talk line",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        startsOnLocal: "2030-01-07T21:30:00",
        durationMinutes: 180,
      },
    });
    const retired = await db.rotaTemplate.create({
      data: {
        name: "Retired talk line",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO",
        startsOnLocal: "2030-01-07T13:00:00",
        durationMinutes: 60,
        active: false,
      },
    });
    const clock = new Date("2030-02-04T12:00:00Z");
    const stop = startHorizonJob(url, silentLogger, 60_000, () => clock);
    try {
      const n = await eventually(
        () => db.rotaSlot.count({ where: { templateId: active.id } }),
        (count) => count >= 28,
      );
      expect(n).toBe(28);
      const first = await db.rotaSlot.findFirstOrThrow({
        where: { templateId: active.id },
        orderBy: { startsAt: "asc" },
      });
      expect(first.startsAt.toISOString()).toBe("2030-02-04T21:30:00.000Z");
      expect(await db.rotaSlot.count({ where: { templateId: retired.id } })).toBe(0);
    } finally {
      await stop();
    }
  });
});
