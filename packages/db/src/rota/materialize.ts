import { expandBetween } from "@offshift/core";
import { client, type DbOrTx } from "../client.js";

export const ROTA_HORIZON_DAYS = 28;

/** Materialises a rota template's slots in [from, from + horizon); idempotent. */
export async function materializeRotaSlots(
  handle: DbOrTx,
  templateId: string,
  from: Date,
  horizonDays = ROTA_HORIZON_DAYS,
): Promise<number> {
  const db = client(handle);
  const template = await db.rotaTemplate.findUniqueOrThrow({ where: { id: templateId } });
  const to = new Date(from.getTime() + horizonDays * 86_400_000);
  const slots = expandBetween(
    { rule: template.rrule, startsOnLocal: template.startsOnLocal, timeZone: template.timeZone },
    from,
    to,
  );
  const result = await db.rotaSlot.createMany({
    data: slots.map((s) => ({
      templateId,
      startsAt: s.start,
      endsAt: new Date(s.start.getTime() + template.durationMinutes * 60_000),
    })),
    skipDuplicates: true,
  });
  return result.count;
}

/**
 * Keeps every active rota template's slots materialised `horizonDays` ahead
 * (realtime, hourly). Idempotent, so any number of nodes may run it.
 */
export async function extendRotaHorizon(handle: DbOrTx, now: Date, horizonDays = ROTA_HORIZON_DAYS): Promise<number> {
  const db = client(handle);
  const templates = await db.rotaTemplate.findMany({ where: { active: true }, select: { id: true } });
  let created = 0;
  for (const t of templates) created += await materializeRotaSlots(db, t.id, now, horizonDays);
  return created;
}
