import { TZDate } from "@date-fns/tz";
import icalGenerator, { ICalEventStatus, escape, type ICalCalendar } from "ical-generator";
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

/** A feed in the organisation's zone, with its VTIMEZONE; refreshed hourly by subscribed calendars. */
export function zonedCalendar(input: { name: string; product: string; timeZone: string }): ICalCalendar {
  return icalGenerator({
    // The library writes NAME and X-WR-CALNAME as given: its own escaping keeps a title with a
    // line break (stored before titles refused them) inside its property, not a new line of the file.
    name: escape(input.name, false),
    prodId: { company: "Offshift", product: input.product, language: "EN" },
    timezone: { name: input.timeZone, generator: vtimezone },
    ttl: 60 * 60,
  });
}

/** One event of a zoned feed: `updatedAt` becomes DTSTAMP (and LAST-MODIFIED when `lastModified`). */
export function addZonedEvent(
  cal: ICalCalendar,
  timeZone: string,
  e: {
    id: string;
    startsAt: Date;
    endsAt: Date;
    updatedAt: Date;
    lastModified: boolean;
    summary: string;
    description: string;
    url: string;
    cancelled: boolean;
  },
): void {
  cal.createEvent({
    id: e.id,
    // Zoned dates: given a plain Date, ical-generator would write the
    // wall-clock time of whatever zone the server process runs in.
    start: new TZDate(e.startsAt.getTime(), timeZone),
    end: new TZDate(e.endsAt.getTime(), timeZone),
    timezone: timeZone,
    stamp: e.updatedAt,
    ...(e.lastModified ? { lastModified: e.updatedAt } : {}),
    summary: e.summary,
    description: e.description,
    url: e.url,
    status: e.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
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
  const cal = zonedCalendar({ name: input.name, product: "Drop-ins", timeZone: input.timeZone });
  for (const s of input.sessions)
    addZonedEvent(
      cal,
      input.timeZone,
      sessionEvent(s, {
        summary: `${s.title} (Offshift)`,
        description: `${s.theme}. ${s.description}\n\nJoin: ${input.origin}/\n\nNeed help now? Samaritans 116 123, Shout: text SHOUT to 85258, NHS 111, or 999 in an emergency.`,
        url: `${input.origin}/`,
      }),
    );
  return cal.toString();
}

/** A session as a feed's event, in the words given: cancelled ones stay, as STATUS:CANCELLED. */
export function sessionEvent(
  s: CalendarSession,
  words: { summary: string; description: string; url: string },
): Parameters<typeof addZonedEvent>[2] {
  return {
    id: `${s.occurrenceId}@offshift`,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    updatedAt: s.updatedAt,
    lastModified: true,
    cancelled: s.cancelled,
    ...words,
  };
}
