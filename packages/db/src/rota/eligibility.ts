import { checkEligibility, ELIGIBILITY_REACH_MS, type Eligibility } from "@offshift/core";
import { client, type DbOrTx } from "../client.js";
import { loadRotaBoard } from "./board.js";

/**
 * "Does this person fit this slot?", read from what is committed now. The
 * one loader behind a volunteer's sign-up and taking cover (signup.ts),
 * applying auto-fill (coordinator.ts) and cover pushes (pushes.ts), so they
 * all load the same facts and give the same answer.
 *
 * The board runs from the earliest slot asked about to ELIGIBILITY_REACH_MS
 * past the latest, and loadRotaBoard reads held slots from ELIGIBILITY_REACH_MS
 * before its start: that is the furthest the engine's own rules look from a
 * slot (a week's limits across a clock change, a run of late nights; see
 * core's rota/engine.ts). Sign-up used to read a week back and auto-fill two,
 * so a Monday 00:00 slot in the week the clocks go back counted toward that
 * week's limit for auto-fill but not for sign-up.
 */

export interface SlotEligibility {
  /**
   * The engine's verdict, or null when it has none to give: the slot is not
   * on the rota (removed, or its template retired) or the person is not an
   * approved volunteer.
   */
  verdict(personId: string, slotId: string): Eligibility | null;
  /**
   * Has the person saved a work pattern? Only they are placed by auto-fill
   * (the engine cannot know when the others work); anyone approved may sign
   * themselves up, which is why this is asked separately.
   */
  hasWorkPattern(personId: string): boolean;
}

export async function loadEligibility(
  handle: DbOrTx,
  input: { volunteerIds: string[]; slots: { startsAt: Date }[]; timeZone: string },
): Promise<SlotEligibility> {
  const db = client(handle);
  if (input.slots.length === 0 || input.volunteerIds.length === 0)
    return { verdict: () => null, hasWorkPattern: () => false };
  const starts = input.slots.map((s) => s.startsAt.getTime());
  const loaded = await loadRotaBoard(db, {
    from: new Date(Math.min(...starts)),
    to: new Date(Math.max(...starts) + ELIGIBILITY_REACH_MS),
    timeZone: input.timeZone,
    volunteerIds: input.volunteerIds,
  });
  const onBoard = new Set(loaded.board.volunteerIds);
  return {
    verdict(personId, slotId) {
      const engineId = loaded.engineIds.get(slotId);
      if (!engineId || !onBoard.has(personId)) return null;
      return checkEligibility(loaded.board, personId, engineId);
    },
    hasWorkPattern: (personId) => loaded.withPattern.has(personId),
  };
}
