import { TZDate } from "@date-fns/tz";
import icalGenerator, { ICalEventStatus, escape } from "ical-generator";
import { getVtimezoneComponent } from "@touch4it/ical-timezones";

/**
 * RFC 5545 calendars for drop-ins: one session, one series, or every public
 * session. Times are written in the organisation's zone with a VTIMEZONE, so a
 * 22:00 session shows at 22:00 London time in every calendar app, either side
 * of a clock change. Cancelled sessions stay in feeds as STATUS:CANCELLED so
 * subscribed calendars remove them.
 */
/** Never silently omit VTIMEZONE: without it, calendars would guess the zone. */
export function vtimezone(zone: string): string {
  const component = getVtimezoneComponent(zone);
  if (!component) throw new Error(`No VTIMEZONE data for ${zone}`);
  return component;
}

export interface CalendarSession {
  occurrenceId: string;
  title: string;
  theme: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
  cancelled: boolean;
  /** Set when the occurrence last changed; becomes DTSTAMP/LAST-MODIFIED. */
  updatedAt: Date;
}

export function sessionsCalendar(input: {
  name: string;
  timeZone: string;
  origin: string;
  sessions: readonly CalendarSession[];
}): string {
  const cal = icalGenerator({
    // The library writes NAME and X-WR-CALNAME as given: its own escaping keeps a title with a
    // line break (stored before titles refused them) inside its property, not a new line of the file.
    name: escape(input.name, false),
    prodId: { company: "Offshift", product: "Drop-ins", language: "EN" },
    timezone: { name: input.timeZone, generator: vtimezone },
    ttl: 60 * 60,
  });
  for (const s of input.sessions) {
    cal.createEvent({
      id: `${s.occurrenceId}@offshift`,
      // Zoned dates: given a plain Date, ical-generator would write the
      // wall-clock time of whatever zone the server process runs in.
      start: new TZDate(s.startsAt.getTime(), input.timeZone),
      end: new TZDate(s.endsAt.getTime(), input.timeZone),
      timezone: input.timeZone,
      stamp: s.updatedAt,
      lastModified: s.updatedAt,
      summary: `${s.title} (Offshift)`,
      description: `${s.theme}. ${s.description}\n\nJoin: ${input.origin}/\n\nNeed help now? Samaritans 116 123, Shout: text SHOUT to 85258, NHS 111, or 999 in an emergency.`,
      url: `${input.origin}/`,
      status: s.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
