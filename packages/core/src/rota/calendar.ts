import { addZonedEvent, sessionEvent, zonedCalendar, type CalendarSession } from "../dropins/calendar.js";

/** One of a volunteer's rota slots, for their calendar feed. */
export interface CalendarRotaSlot {
  slotId: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  /** When they signed up (or were given it); becomes DTSTAMP. */
  updatedAt: Date;
}

/**
 * A volunteer's private feed: their rota slots and the drop-ins they
 * facilitate, in the organisation's zone with a VTIMEZONE. Cancelled drop-ins
 * stay as STATUS:CANCELLED so subscribed calendars remove them; a dropped or
 * swapped slot simply leaves the feed.
 */
export function volunteerCalendar(input: {
  name: string;
  timeZone: string;
  origin: string;
  slots: readonly CalendarRotaSlot[];
  sessions: readonly CalendarSession[];
}): string {
  const cal = zonedCalendar({ name: input.name, product: "Rota", timeZone: input.timeZone });
  for (const s of input.slots)
    addZonedEvent(cal, input.timeZone, {
      id: `rota-${s.slotId}@offshift`,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      updatedAt: s.updatedAt,
      lastModified: false,
      summary: `${s.name} (Offshift rota)`,
      description: `Your Offshift rota slot. See or change your shifts: ${input.origin}/rota`,
      url: `${input.origin}/rota`,
      cancelled: false,
    });
  for (const s of input.sessions)
    addZonedEvent(
      cal,
      input.timeZone,
      sessionEvent(s, {
        summary: `Facilitating: ${s.title} (Offshift)`,
        description: `${s.theme}. ${s.description}\n\nOpen the room: ${input.origin}/sessions/${s.occurrenceId}`,
        url: `${input.origin}/sessions/${s.occurrenceId}`,
      }),
    );
  return cal.toString();
}
