import type { Db } from "../client.js";

export interface TonightItem {
  occurrenceId: string;
  title: string;
  theme: string;
  description: string;
  language: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  facilitatorFirstName: string;
  /** People who said they plan to come. */
  planning: number;
  /** Whether this browser said so. */
  planningFromHere: boolean;
}

const firstName = (displayName: string) => displayName.trim().split(/\s+/)[0] ?? displayName;

/** Scheduled occurrences that have not ended and start within `days`. */
export async function listUpcomingOccurrences(
  db: Db,
  input: { now: Date; days: number; browserKey?: string | undefined },
): Promise<TonightItem[]> {
  const until = new Date(input.now.getTime() + input.days * 86_400_000);
  const rows = await db.dropInOccurrence.findMany({
    where: { status: "SCHEDULED", endsAt: { gt: input.now }, startsAt: { lt: until } },
    orderBy: { startsAt: "asc" },
    include: {
      series: { include: { facilitator: { select: { displayName: true } } } },
      facilitator: { select: { displayName: true } },
      _count: { select: { intents: true } },
      intents: input.browserKey ? { where: { browserKey: input.browserKey }, select: { browserKey: true } } : false,
    },
  });
  return rows.map((row) => ({
    occurrenceId: row.id,
    title: row.series.title,
    theme: row.series.theme,
    description: row.series.description,
    language: row.series.language,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    capacity: row.series.capacity,
    facilitatorFirstName: firstName((row.facilitator ?? row.series.facilitator).displayName),
    planning: row._count.intents,
    planningFromHere: Array.isArray(row.intents) && row.intents.length > 0,
  }));
}
