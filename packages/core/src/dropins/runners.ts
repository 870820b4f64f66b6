/**
 * Who runs a drop-in: the series' lead and backup, and whoever one occurrence
 * was given to (a reassignment or the person who opened its room). The one
 * answer every permission check about a series or an occurrence is given as
 * `facilitatorIds` (see `can`).
 */
export function facilitatorsOf(occurrence: {
  facilitatorId?: string | null;
  series: { facilitatorId: string; backupFacilitatorId: string | null };
}): string[] {
  const ids = [occurrence.facilitatorId, occurrence.series.facilitatorId, occurrence.series.backupFacilitatorId];
  return [...new Set(ids.filter((id): id is string => typeof id === "string"))];
}
