import { methodInPlainWords, monthLabel } from "@offshift/core";
import { listVoiceStatements } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { publishedVoice } from "$lib/server/voice.js";
import type { PageServerLoad } from "./$types";

// Public: anyone may read it, signed in or not. Nothing here names a session, a facilitator or an employer.
export const load: PageServerLoad = async () => {
  const [{ quarters, thresholds }, statements] = await Promise.all([publishedVoice(), listVoiceStatements(getDb())]);
  return {
    quarters,
    thresholds,
    method: methodInPlainWords(thresholds),
    statements: statements.map((s) => ({ id: s.id, text: s.text, month: monthLabel(s.month) })),
  };
};
