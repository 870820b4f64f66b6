import { firstName } from "@offshift/core";
import { client, type Db } from "../client.js";

export interface RotaWeekSlot {
  id: string;
  templateId: string;
  name: string;
  kind: "TALK_LINE" | "FACILITATOR_COVER";
  start: Date;
  end: Date;
  minVolunteers: number;
  maxVolunteers: number;
  /** Retired template: the slot stays because someone is on it. */
  retired: boolean;
  /** Who is on it, by first name (shown only to coordinators), sorted. */
  volunteers: { personId: string; firstName: string }[];
}

/**
 * Materialised slots starting in [from, to), by start then name: active
 * templates' slots, and retired templates' slots that someone is still on.
 */
export async function listRotaWeek(handle: Db, window: { from: Date; to: Date }): Promise<RotaWeekSlot[]> {
  const db = client(handle);
  const slots = await db.rotaSlot.findMany({
    where: {
      startsAt: { gte: window.from, lt: window.to },
      OR: [{ template: { active: true } }, { assignments: { some: {} } }],
    },
    select: {
      id: true,
      templateId: true,
      startsAt: true,
      endsAt: true,
      template: { select: { name: true, kind: true, minVolunteers: true, maxVolunteers: true, active: true } },
      assignments: {
        where: { person: { erasedAt: null } },
        select: { personId: true, person: { select: { displayName: true } } },
      },
    },
    orderBy: [{ startsAt: "asc" }],
  });
  return slots
    .map((s) => ({
      id: s.id,
      templateId: s.templateId,
      name: s.template.name,
      kind: s.template.kind,
      start: s.startsAt,
      end: s.endsAt,
      minVolunteers: s.template.minVolunteers,
      maxVolunteers: s.template.maxVolunteers,
      retired: !s.template.active,
      volunteers: s.assignments
        .map((a) => ({ personId: a.personId, firstName: firstName(a.person.displayName) }))
        .sort((a, b) => a.firstName.localeCompare(b.firstName) || (a.personId < b.personId ? -1 : 1)),
    }))
    .sort((a, b) => a.start.getTime() - b.start.getTime() || a.name.localeCompare(b.name));
}
