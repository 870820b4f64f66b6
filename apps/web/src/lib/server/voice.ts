import { loadVoicePublication, type VoiceRefusal } from "@offshift/db";
import { reportQuarter, type ReportQuarter, type Thresholds } from "@offshift/core";
import { now as clockNow } from "./clock.js";
import { getDb } from "./db.js";
import { env } from "./env.js";

/** The one mapper from Voice refusals to HTTP status. */
const STATUS: Record<VoiceRefusal["code"], number> = {
  forbidden: 403,
  invalid: 400,
  not_found: 404,
  conflict: 409,
  too_late: 409,
  not_ended: 409,
};
export const voiceStatus = (r: VoiceRefusal) => STATUS[r.code];

export function voiceThresholds(): Thresholds {
  const e = env();
  return { minSessions: e.VOICE_MIN_SESSIONS, minFacilitators: e.VOICE_MIN_FACILITATORS };
}

/** What the public page, the CSV and the PDF show: the same call, so the same numbers. */
export async function publishedVoice(): Promise<{ quarters: ReportQuarter[]; thresholds: Thresholds }> {
  const thresholds = voiceThresholds();
  const pub = await loadVoicePublication(getDb(), { now: clockNow(), timeZone: env().ORG_TIMEZONE, thresholds });
  return { quarters: pub.quarters.map((q) => reportQuarter(q, pub.themes)), thresholds };
}
