import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb, type Db } from "@offshift/db";
import { createTestDatabase } from "@offshift/db/testing";
import { startHorizonJob } from "./jobs.js";
import { eventually, silentLogger } from "./test-helpers.js";

let db: Db;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "jobs");
  url = t.url;
  drop = t.drop;
  db = createDb(url);
});
afterAll(async () => {
  await db.$disconnect();
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
});
