import { TZDate } from "@date-fns/tz";
import icalGenerator, { ICalEventStatus } from "ical-generator";
import { vtimezone, type CalendarSession } from "../dropins/calendar.js";

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
  const cal = icalGenerator({
    name: input.name,
    prodId: { company: "Offshift", product: "Rota", language: "EN" },
    timezone: { name: input.timeZone, generator: vtimezone },
    ttl: 60 * 60,
  });
  for (const s of input.slots) {
    cal.createEvent({
      id: `rota-${s.slotId}@offshift`,
      start: new TZDate(s.startsAt.getTime(), input.timeZone),
      end: new TZDate(s.endsAt.getTime(), input.timeZone),
      timezone: input.timeZone,
      stamp: s.updatedAt,
      summary: `${s.name} (Offshift rota)`,
      description: `Your Offshift rota slot. See or change your shifts: ${input.origin}/rota`,
      url: `${input.origin}/rota`,
      status: ICalEventStatus.CONFIRMED,
    });
  }
  for (const s of input.sessions) {
    cal.createEvent({
      id: `${s.occurrenceId}@offshift`,
      start: new TZDate(s.startsAt.getTime(), input.timeZone),
      end: new TZDate(s.endsAt.getTime(), input.timeZone),
      timezone: input.timeZone,
      stamp: s.updatedAt,
      lastModified: s.updatedAt,
      summary: `Facilitating: ${s.title} (Offshift)`,
      description: `${s.theme}. ${s.description}\n\nOpen the room: ${input.origin}/sessions/${s.occurrenceId}`,
      url: `${input.origin}/sessions/${s.occurrenceId}`,
      status: s.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
