import {
  publishQuarter,
  publishedQuarters,
  type QuarterPublication,
  type RegionCode,
  type SessionThemes,
  type Thresholds,
} from "@offshift/core";
import { client, type Db } from "../client.js";
import { listVoiceThemes, type VoiceThemeRow } from "./themes.js";

export interface VoicePublication {
  themes: VoiceThemeRow[];
  /** Closed quarters, newest first, with only what core's publication rule lets out. */
  quarters: QuarterPublication[];
}

/**
 * What /voice, its reports and its feed may show at `now`: the closed quarters since the
 * first ticks, each passed through core's publication rule. Nothing else leaves this
 * function: no session, facilitator or region below the threshold.
 */
export async function loadVoicePublication(
  handle: Db,
  input: { now: Date; timeZone: string; thresholds: Thresholds; maxQuarters?: number },
): Promise<VoicePublication> {
  const db = client(handle);
  const themes = await listVoiceThemes(db);
  const first = await db.voiceSessionReport.findFirst({ orderBy: { month: "asc" }, select: { month: true } });
  if (!first) return { themes, quarters: [] };
  const quarters = publishedQuarters(input.now, input.timeZone, first.month).slice(0, input.maxQuarters ?? 8);
  if (quarters.length === 0) return { themes, quarters: [] };
  const months = quarters.flatMap((q) => {
    const [y, n] = q.split("-Q").map(Number) as [number, number];
    return [1, 2, 3].map((i) => `${y}-${String((n - 1) * 3 + i).padStart(2, "0")}`);
  });
  const reports = await db.voiceSessionReport.findMany({
    where: { month: { in: months } },
    select: { month: true, region: true, facilitatorId: true, ticks: { select: { themeId: true } } },
  });
  const facts: SessionThemes[] = reports.map((r) => ({
    month: r.month,
    region: (r.region as RegionCode | null) ?? null,
    facilitatorKey: r.facilitatorId,
    themeIds: r.ticks.map((t) => t.themeId),
  }));
  const themeIds = themes.map((t) => t.id);
  return { themes, quarters: quarters.map((q) => publishQuarter(q, facts, themeIds, input.thresholds)) };
}
