import { describe, expect, it } from "vitest";
import { handoverSummaryMail, planHandover, type DepartingSession } from "./erasure.js";

const at = (iso: string) => new Date(iso);
const backup = { id: "backup-1", displayName: "Kwame Mensah", busy: false };
const session = (over: Partial<DepartingSession> & { occurrenceId: string; startsAt: Date }): DepartingSession => ({
  title: "Lone working at night",
  endsAt: new Date(over.startsAt.getTime() + 3_600_000),
  cover: [backup],
  ...over,
});

describe("a departing facilitator's sessions", () => {
  it("go to the first free facilitator who could run them, else are cancelled, in time order", () => {
    const plan = planHandover(
      [
        session({ occurrenceId: "c", startsAt: at("2026-03-03T21:00:00Z"), cover: [{ ...backup, busy: true }] }),
        session({ occurrenceId: "a", startsAt: at("2026-03-01T21:00:00Z") }),
        session({ occurrenceId: "b", startsAt: at("2026-03-02T21:00:00Z"), cover: [] }),
        // The leaver is never their own cover.
        session({
          occurrenceId: "d",
          startsAt: at("2026-03-04T21:00:00Z"),
          cover: [{ id: "leaver", displayName: "L", busy: false }],
        }),
        // Overlaps "a", which the same backup is given first.
        session({ occurrenceId: "a2", startsAt: at("2026-03-01T21:30:00Z") }),
        // The series lead comes first; busy, so the backup takes it.
        session({
          occurrenceId: "e",
          startsAt: at("2026-03-05T21:00:00Z"),
          cover: [{ id: "lead", displayName: "Lena", busy: true }, backup],
        }),
      ],
      "leaver",
    );
    expect(plan.map((h) => [h.occurrenceId, h.outcome, h.outcome === "cancelled" ? h.why : h.toId])).toEqual([
      ["a", "reassigned", "backup-1"],
      ["a2", "cancelled", "others_busy"],
      ["b", "cancelled", "nobody_else"],
      ["c", "cancelled", "others_busy"],
      ["d", "cancelled", "nobody_else"],
      ["e", "reassigned", "backup-1"],
    ]);
  });

  it("summarise for coordinators without naming the person who left", () => {
    const plan = planHandover(
      [
        session({ occurrenceId: "a", startsAt: at("2026-03-01T21:00:00Z") }),
        session({ occurrenceId: "b", startsAt: at("2026-03-02T21:00:00Z"), cover: [], title: "After a death" }),
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
    expect(mail.text).toMatch(/^A facilitator has deleted their account\. They were running 2 upcoming sessions\./);
    expect(mail.text).toContain("Lone working at night  → Kwame");
    expect(mail.text).toContain("After a death  (no other facilitator for it)");
    expect(mail.text).toContain("make no new sessions until you give them to someone: After a death.");
    expect(mail.text).toContain("https://o.example/coordinator");
    expect(mail.text).not.toContain("Mensah");
    const suspended = handoverSummaryMail(plan.slice(0, 1), {
      timeZone: "Europe/London",
      origin: "https://o.example",
      seriesToBackup: ["Lone working at night"],
      seriesStopped: [],
      reason: "suspended",
    });
    expect(suspended.subject).toBe("A facilitator was suspended: 1 session given to other facilitators");
  });
});
