import { error } from "@sveltejs/kit";
import { now as clockNow } from "$lib/server/clock.js";
import { isId, sessionsCalendar } from "@offshift/core";
import { listCalendarSessions } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { dropInChanges } from "./tonight.js";
import { bytes, compress, encodingFor, type Encoding } from "./compress.js";

const FEED_DAYS = 56;

/*
 * A feed is the same for every subscriber and costly to write (ical-generator folds every
 * line through a TextEncoder, about 30 ms for the whole feed): one is kept for a minute, or
 * until any drop-in changes (tonight.ts counts the changes; the response itself may be
 * cached by calendars for five minutes anyway). A moved test clock reads afresh too.
 */
const FEED_KEPT_MS = 60_000;
const FEEDS_KEPT = 500;
interface Feed {
  readAt: number;
  clock: number;
  changes: number;
  body: Buffer;
  /** The body compressed once per encoding asked for (compressResponse leaves it alone). */
  encoded: Partial<Record<Encoding, Promise<Buffer>>>;
}
const feeds = new Map<string, Feed>();

function keptFeed(key: string, clock: number): Feed | undefined {
  const f = feeds.get(key);
  if (!f || env().TONIGHT_CACHE_MS === 0 || f.changes !== dropInChanges()) return undefined;
  if (performance.now() - f.readAt >= FEED_KEPT_MS || Math.abs(clock - f.clock) >= FEED_KEPT_MS) return undefined;
  return f;
}

/** An RFC 5545 response for all sessions, one series, or one session. */
export async function calendarResponse(
  scope: { seriesId?: string; occurrenceId?: string },
  name: string,
  request: Request,
): Promise<Response> {
  if ((scope.seriesId && !isId(scope.seriesId)) || (scope.occurrenceId && !isId(scope.occurrenceId)))
    error(404, "Not found");
  const now = clockNow();
  const key = `${scope.seriesId ?? ""}/${scope.occurrenceId ?? ""}/${name}`;
  let feed = keptFeed(key, now.getTime());
  if (!feed) {
    const changes = dropInChanges();
    const readAt = performance.now();
    const sessions = await listCalendarSessions(getDb(), { now, days: FEED_DAYS, ...scope });
    if ((scope.seriesId || scope.occurrenceId) && sessions.length === 0) error(404, "Not found");
    const body = sessionsCalendar({
      name: scope.occurrenceId ? sessions[0]!.title : scope.seriesId ? `${sessions[0]!.title} (Offshift)` : name,
      timeZone: env().ORG_TIMEZONE,
      origin: env().ORIGIN,
      sessions,
    });
    if (feeds.size >= FEEDS_KEPT) feeds.clear();
    // Kept under the count of changes from before the read: a change during it is not missed.
    feed = { readAt, clock: now.getTime(), changes, body: Buffer.from(body), encoded: {} };
    feeds.set(key, feed);
  }
  const headers = new Headers({
    "content-type": "text/calendar; charset=utf-8",
    "content-disposition": `inline; filename="${scope.occurrenceId ? "offshift-session" : "offshift-sessions"}.ics"`,
    "cache-control": "public, max-age=300",
    vary: "Accept-Encoding",
  });
  const encoding = request.method === "HEAD" ? null : encodingFor(request);
  if (!encoding) return new Response(bytes(feed.body), { headers });
  const encoded = (feed.encoded[encoding] ??= compress(feed.body, encoding));
  headers.set("content-encoding", encoding);
  return new Response(bytes(await encoded), { headers });
}
