import { describe, expect, it } from "vitest";
import { DomainError } from "../errors.js";
import { checkEligibility, heldSlotClashes, prepareRota, type RotaBoard } from "./engine.js";
import type { RotaAssignment, RotaVolunteerInput } from "./schema.js";
import { LONDON, slotTemplates, volunteer } from "./testing.js";

const { late, early, gap } = slotTemplates;

// Week of Monday 9 February 2026 (GMT): the late slot is 21:30-00:30, the early 06:30-08:00, the gap 13:00-15:00.
function board(volunteers: RotaVolunteerInput[], assignments: RotaAssignment[]): RotaBoard {
  return prepareRota({
    timeZone: LONDON,
    from: new Date("2026-02-09T00:00:00Z"),
    to: new Date("2026-02-16T00:00:00Z"),
    templates: [late, early, gap],
    volunteers,
    assignments,
  });
}
const holds = (templateId: string, startIso: string, volunteerId = "dev"): RotaAssignment => ({
  volunteerId,
  templateId,
  start: new Date(startIso),
});
const idOf = (templateId: string, startIso: string) => `${templateId}@${new Date(startIso).toISOString()}`;
const said = (b: RotaBoard, slotId: string, who = "dev") => heldSlotClashes(b, who, slotId).map((r) => r.message);

describe("a slot a volunteer holds, after their work pattern changes", () => {
  const thursdayLate = "2026-02-12T21:30:00Z";

  it("still fits when their shifts leave it clear: nothing is said, and no limit is asked again", () => {
    // Lates Monday to Wednesday; Thursday's late slot, at their weekly max of one slot.
    const b = board(
      [volunteer("dev").works("MO,TU,WE", "late").prefers({ maxSlotsPerWeek: 1 }).build()],
      [holds("late", thursdayLate)],
    );
    expect(said(b, idOf("late", thursdayLate))).toEqual([]);
    // Taking it now would be "already on it": holding is a status, not a problem.
    expect(checkEligibility(b, "dev", idOf("late", thursdayLate))).toMatchObject({ eligible: false });
  });

  it("clashes with a late now worked that day, naming the shift and its times", () => {
    const b = board([volunteer("dev").works("MO,TU,WE,TH", "night").build()], [holds("late", thursdayLate)]);
    expect(said(b, idOf("late", thursdayLate))).toEqual(["It clashes with your night, 22:00–07:00."]);
    expect(heldSlotClashes(b, "dev", idOf("late", thursdayLate))[0]).toMatchObject({
      code: "at_work",
      group: "working nights",
    });
  });

  it("says how close a shift's end is when it ends inside the buffer", () => {
    const b = board(
      [
        volunteer("dev")
          .withShift({ id: "late", name: "late", parts: [{ start: "13:00", end: "21:00", endsNextDay: false }] })
          .works("TH", "late")
          .build(),
      ],
      [holds("late", thursdayLate)],
    );
    expect(said(b, idOf("late", thursdayLate))).toEqual([
      "It starts 30 min after your late ends at 21:00; you need 45 min between.",
    ]);
  });

  it("counts the rest before an early the next morning", () => {
    const b = board([volunteer("dev").works("FR", "early").build()], [holds("late", thursdayLate)]);
    expect(said(b, idOf("late", thursdayLate))).toEqual(["It leaves 6 h 30 min before your early; you need 8 h rest."]);
  });

  it("sees the return to a split shift's second part", () => {
    const b = board(
      [
        volunteer("dev")
          .withShift({
            id: "split",
            name: "split",
            parts: [
              { start: "07:00", end: "12:00", endsNextDay: false },
              { start: "15:30", end: "22:00", endsNextDay: false },
            ],
          })
          .works("TH", "split")
          .build(),
      ],
      [holds("gap", "2026-02-12T13:00:00Z")],
    );
    expect(said(b, idOf("gap", "2026-02-12T13:00:00Z"))).toEqual([
      "You're due back on your split at 15:30, 30 min after it ends; you need 45 min between.",
    ]);
  });

  it("names a drop-in they now run at the same time, and the times they no longer offer", () => {
    const dropIn = { title: "After a death", start: new Date(thursdayLate), end: new Date("2026-02-12T22:45:00Z") };
    const b = board(
      [
        {
          ...volunteer("dev")
            .prefers({ windows: [{ days: ["MO"], from: "18:00", to: "02:00" }] })
            .build(),
          facilitating: [dropIn],
        },
      ],
      [holds("late", thursdayLate)],
    );
    expect(said(b, idOf("late", thursdayLate))).toEqual([
      'It clashes with the drop-in "After a death" you run at 21:30.',
      "It's outside the times you offered.",
    ]);
  });

  it("names another slot of theirs that overlaps it", () => {
    const b = board(
      [volunteer("dev").build()],
      [holds("late", thursdayLate), holds("early", "2026-02-12T06:30:00Z"), holds("gap", "2026-02-12T13:00:00Z")],
    );
    expect(said(b, idOf("gap", "2026-02-12T13:00:00Z"))).toEqual([]);
    const overlapping = prepareRota({
      timeZone: LONDON,
      from: new Date("2026-02-09T00:00:00Z"),
      to: new Date("2026-02-16T00:00:00Z"),
      templates: [late, { ...late, id: "late2", name: "Backup line", startsOnLocal: "2026-01-05T22:00:00" }],
      volunteers: [volunteer("dev").build()],
      assignments: [holds("late", thursdayLate), holds("late2", "2026-02-12T22:00:00Z")],
    });
    expect(said(overlapping, idOf("late2", "2026-02-12T22:00:00Z"))).toEqual([
      "It overlaps your Talk line late at 21:30.",
    ]);
  });

  it("refuses an unknown volunteer or slot", () => {
    const b = board([volunteer("dev").build()], []);
    expect(() => heldSlotClashes(b, "nobody", idOf("late", thursdayLate))).toThrow(DomainError);
    expect(() => heldSlotClashes(b, "dev", "late@2030-01-01T00:00:00.000Z")).toThrow("No slot");
  });
});
