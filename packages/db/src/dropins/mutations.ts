import { createHash } from "node:crypto";
import type { AttendanceIntentInput } from "@offshift/core";
import type { Db } from "../client.js";

export type SetAttendanceResult =
  | { ok: true; occurrenceId: string; planning: number; planningFromHere: boolean }
  | { ok: false; reason: "not_found" | "ended" | "cancelled" };

/**
 * The key an intent is kept under: a hash of the identity ("guest:<id>" /
 * "person:<id>"), so the table never holds the identity string itself.
 */
export const attendanceKey = (identityKey: string) => createHash("sha256").update(identityKey).digest("base64url");

/**
 * Records or withdraws "I plan to come" for one identity (a guest or an
 * account: a visitor has none, so a script without cookies cannot count
 * itself in again and again). Idempotent per identity: the primary key
 * (occurrence, key) settles double clicks and second tabs.
 */
export async function setAttendanceIntent(
  db: Db,
  input: AttendanceIntentInput & { identityKey: string; now: Date },
): Promise<SetAttendanceResult> {
  const key = attendanceKey(input.identityKey);
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
        data: [{ occurrenceId: occurrence.id, browserKey: key }],
        skipDuplicates: true,
      });
    } else {
      await tx.attendanceIntent.deleteMany({ where: { occurrenceId: occurrence.id, browserKey: key } });
    }
    const planning = await tx.attendanceIntent.count({ where: { occurrenceId: occurrence.id } });
    return { ok: true, occurrenceId: occurrence.id, planning, planningFromHere: input.intent === "join" } as const;
  });
}
