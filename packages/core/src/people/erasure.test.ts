import { describe, expect, it } from "vitest";
import { handoverSummaryMail, planHandover, type DepartingSession } from "./erasure.js";

const at = (iso: string) => new Date(iso);
const session = (over: Partial<DepartingSession> & { occurrenceId: string; startsAt: Date }): DepartingSession => ({
  title: "Lone working at night",
  endsAt: new Date(over.startsAt.getTime() + 3_600_000),
  backup: { id: "backup-1", displayName: "Kwame Mensah" },
  backupBusy: false,
  ...over,
});

describe("a departing facilitator's sessions", () => {
  it("go to a free backup, and are cancelled when there is none or the backup is busy, in time order", () => {
    const plan = planHandover(
      [
        session({ occurrenceId: "c", startsAt: at("2026-03-03T21:00:00Z"), backupBusy: true }),
        session({ occurrenceId: "a", startsAt: at("2026-03-01T21:00:00Z") }),
        session({ occurrenceId: "b", startsAt: at("2026-03-02T21:00:00Z"), backup: null }),
        session({
          occurrenceId: "d",
          startsAt: at("2026-03-04T21:00:00Z"),
          backup: { id: "leaver", displayName: "L" },
        }),
        // Overlaps "a", which the same backup is given first.
        session({ occurrenceId: "a2", startsAt: at("2026-03-01T21:30:00Z") }),
      ],
      "leaver",
    );
    expect(plan.map((h) => [h.occurrenceId, h.outcome, "why" in h ? h.why : h.backupId])).toEqual([
      ["a", "backup", "backup-1"],
      ["a2", "cancelled", "backup_busy"],
      ["b", "cancelled", "no_backup"],
      ["c", "cancelled", "backup_busy"],
      ["d", "cancelled", "no_backup"],
    ]);
  });

  it("summarise for coordinators without naming the person who left", () => {
    const plan = planHandover(
      [
        session({ occurrenceId: "a", startsAt: at("2026-03-01T21:00:00Z") }),
        session({ occurrenceId: "b", startsAt: at("2026-03-02T21:00:00Z"), backup: null, title: "After a death" }),
      ],
      "leaver",
    );
    const mail = handoverSummaryMail(plan, {
      timeZone: "Europe/London",
      origin: "https://o.example/",
      seriesToBackup: [],
      seriesStopped: ["After a death"],
      reason: "deleted",
    });
    expect(mail.subject).toBe("A facilitator left: 1 session cancelled");
    expect(mail.text).toContain("running 2 upcoming sessions");
    expect(mail.text).toContain("Lone working at night  → Kwame");
    expect(mail.text).toContain("After a death  (no backup facilitator)");
    expect(mail.text).toContain("https://o.example/coordinator");
    expect(mail.text).toContain("make no new sessions until you give them to someone: After a death.");
    expect(mail.text).not.toContain("Mensah");
    expect(mail.text).toMatch(/^A facilitator has deleted their account\./);
  });
});
