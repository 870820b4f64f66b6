import type { AttendanceIntentInput } from "@offshift/core";
import type { Db } from "../client.js";

export type SetAttendanceResult =
  | { ok: true; occurrenceId: string; planning: number; planningFromHere: boolean }
  | { ok: false; reason: "not_found" | "ended" | "cancelled" };

/**
 * Records or withdraws "I plan to come" for one browser. Idempotent per
 * browser: the primary key (occurrence, browser) settles double clicks.
 */
export async function setAttendanceIntent(
  db: Db,
  input: AttendanceIntentInput & { browserKey: string; now: Date },
): Promise<SetAttendanceResult> {
  return db.$transaction(async (tx) => {
    const occurrence = await tx.dropInOccurrence.findUnique({
      where: { id: input.occurrenceId },
      select: { id: true, status: true, endsAt: true },
    });
    if (!occurrence) return { ok: false, reason: "not_found" } as const;
    if (occurrence.status === "CANCELLED") return { ok: false, reason: "cancelled" } as const;
    if (occurrence.endsAt <= input.now) return { ok: false, reason: "ended" } as const;

    if (input.intent === "join") {
      await tx.attendanceIntent.createMany({
        data: [{ occurrenceId: occurrence.id, browserKey: input.browserKey }],
        skipDuplicates: true,
      });
    } else {
      await tx.attendanceIntent.deleteMany({ where: { occurrenceId: occurrence.id, browserKey: input.browserKey } });
    }
    const planning = await tx.attendanceIntent.count({ where: { occurrenceId: occurrence.id } });
    return { ok: true, occurrenceId: occurrence.id, planning, planningFromHere: input.intent === "join" } as const;
  });
}
