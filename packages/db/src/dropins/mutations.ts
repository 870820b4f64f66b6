import { createHash } from "node:crypto";
import {
  can,
  identityRoomFor,
  refuse,
  type Actor,
  type AttendanceIntentInput,
  type Effect,
  type Refusal,
} from "@offshift/core";
import { client, type Db } from "../client.js";

/** The refusals of "count me in", in the words Tonight shows beside the session. */
const attendanceRefusals = {
  forbidden: "Choose a nickname first, so you are counted once.",
  not_found: "That session could not be found.",
  cancelled: "That session has been cancelled.",
  ended: "That session has already finished.",
} as const;

export type SetAttendanceResult =
  | { ok: true; occurrenceId: string; planning: number; planningFromHere: boolean; effects: Effect[] }
  | Refusal<keyof typeof attendanceRefusals>;

const refuseAttendance = (code: keyof typeof attendanceRefusals) => refuse(code, attendanceRefusals[code]);

/**
 * The key an intent is kept under: a hash of the identity ("guest:<id>" /
 * "person:<id>"), so the table never holds the identity string itself.
 */
export const attendanceKey = (identityKey: string) => createHash("sha256").update(identityKey).digest("base64url");

/**
 * Records or withdraws "I plan to come" for the actor: a guest or an account
 * (`dropin.markIntent`; a visitor has no identity, so a script without
 * cookies cannot count itself in again and again). Idempotent per identity:
 * the primary key (occurrence, key) settles double clicks and second tabs.
 * Open Tonight pages are told the new count (`attendanceChanged`).
 */
export async function setAttendanceIntent(
  handle: Db,
  actor: Actor,
  input: AttendanceIntentInput & { now: Date },
): Promise<SetAttendanceResult> {
  const db = client(handle);
  const identityKey = identityRoomFor(actor);
  if (!identityKey || !can(actor, "dropin.markIntent")) return refuseAttendance("forbidden");
  const key = attendanceKey(identityKey);
  return db.$transaction(async (tx): Promise<SetAttendanceResult> => {
    const occurrence = await tx.dropInOccurrence.findUnique({
      where: { id: input.occurrenceId },
      select: { id: true, status: true, endsAt: true },
    });
    if (!occurrence) return refuseAttendance("not_found");
    if (occurrence.status === "CANCELLED") return refuseAttendance("cancelled");
    if (occurrence.endsAt <= input.now) return refuseAttendance("ended");

    if (input.intent === "join") {
      await tx.attendanceIntent.createMany({
        data: [{ occurrenceId: occurrence.id, browserKey: key }],
        skipDuplicates: true,
      });
    } else {
      await tx.attendanceIntent.deleteMany({ where: { occurrenceId: occurrence.id, browserKey: key } });
    }
    const planning = await tx.attendanceIntent.count({ where: { occurrenceId: occurrence.id } });
    const effects: Effect[] = [{ kind: "attendanceChanged", change: { occurrenceId: occurrence.id, planning } }];
    return { ok: true, occurrenceId: occurrence.id, planning, planningFromHere: input.intent === "join", effects };
  });
}
