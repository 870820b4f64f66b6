import { describe, expect, inject, it } from "vitest";
import { closeDb, createDb, listUpcomingOccurrences } from "@offshift/db";
import { createTestDatabase, testPrisma } from "@offshift/db/testing";
import { seedDemoData } from "./seed.js";

describe("seedDemoData", () => {
  it("seeds drop-ins for tonight, volunteers with patterns and a rota with gaps, once", async () => {
    const t = await createTestDatabase(inject("pgAdminUrl"), "seed");
    const seedDb = testPrisma(createDb(t.url));
    try {
      const now = new Date("2026-11-24T19:00:00Z");
      expect(await seedDemoData(seedDb, { now, timeZone: "Europe/London" })).toBe(true);
      expect(await seedDemoData(seedDb, { now, timeZone: "Europe/London" })).toBe(false);
      const tonight = await listUpcomingOccurrences(seedDb, { now, days: 0.5 });
      expect(tonight.length).toBeGreaterThanOrEqual(3);
      expect(await seedDb.volunteerRota.count()).toBeGreaterThanOrEqual(5);
      const slots = await seedDb.rotaSlot.findMany({ include: { _count: { select: { assignments: true } } } });
      const gaps = slots.filter((s) => s._count.assignments === 0);
      expect(gaps.length).toBeGreaterThan(0);
      expect(gaps.length).toBeLessThan(slots.length);
      expect(await seedDb.person.count()).toBe(7);
    } finally {
      await closeDb(seedDb);
      await t.drop();
    }
  });
});
