import { expandBetween } from "@offshift/core";
import { client, type Db, type DbOrTx } from "../client.js";
import type { DropInSeries } from "../generated/prisma/client.js";

export const OCCURRENCE_HORIZON_DAYS = 56;

/** What an occurrence copies from its series when made (and, for future ones, when the series is edited). */
export const occurrenceDetails = (
  s: Pick<DropInSeries, "title" | "theme" | "description" | "language" | "capacity" | "roomStyle">,
) => ({
  title: s.title,
  theme: s.theme,
  description: s.description,
  language: s.language,
  capacity: s.capacity,
  roomStyle: s.roomStyle,
});

/**
 * Materialises a series' occurrences in [from, from + horizon). Idempotent:
 * existing occurrences (including cancelled or moved ones) are left as they are.
 */
export async function materializeOccurrences(
  handle: DbOrTx,
  seriesId: string,
  from: Date,
  horizonDays = OCCURRENCE_HORIZON_DAYS,
): Promise<number> {
  const db = client(handle);
  const series = await db.dropInSeries.findUniqueOrThrow({
    where: { id: seriesId },
    include: { facilitator: { select: { erasedAt: true, status: true } } },
  });
  // A series whose lead has left (or is suspended) makes no new sessions until someone can lead it.
  if (series.facilitator.erasedAt || series.facilitator.status === "SUSPENDED") return 0;
  const to = new Date(from.getTime() + horizonDays * 86_400_000);
  const occurrences = expandBetween(
    { rule: series.rrule, startsOnLocal: series.startsOnLocal, timeZone: series.timeZone },
    from,
    to,
  );
  const result = await db.dropInOccurrence.createMany({
    data: occurrences.map((o) => ({
      seriesId,
      originalStart: o.start,
      startsAt: o.start,
      endsAt: new Date(o.start.getTime() + series.durationMinutes * 60_000),
      facilitatorId: series.facilitatorId,
      ...occurrenceDetails(series),
    })),
    skipDuplicates: true,
  });
  return result.count;
}

/**
 * Keeps every series materialised to the rolling horizon. Idempotent and safe
 * to run from several processes at once (the unique (series, original start)
 * key absorbs duplicates); realtime runs it hourly and the launcher at start.
 */
export async function extendDropInHorizon(
  handle: Db,
  now: Date,
  horizonDays = OCCURRENCE_HORIZON_DAYS,
): Promise<number> {
  const db = client(handle);
  const series = await db.dropInSeries.findMany({
    where: { facilitator: { erasedAt: null, status: { not: "SUSPENDED" } } },
    select: { id: true },
  });
  let created = 0;
  for (const s of series) created += await materializeOccurrences(db, s.id, now, horizonDays);
  return created;
}
