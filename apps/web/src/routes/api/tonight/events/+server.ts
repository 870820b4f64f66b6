import { dropInChanges, watchTonight } from "$lib/server/tonight.js";
import type { RequestHandler } from "./$types";

/** A comment line now and then, so proxies and phones keep the connection (and a dead one is noticed). */
const HEARTBEAT_MS = 25_000;

/**
 * Tonight's live updates for its small script (tonight-page.ts), as server-sent
 * events: Tonight ships no Socket.IO client. Each event says only that drop-ins
 * changed (the page reads itself again, so it is never partly updated); its id
 * is this process's change count, which the browser sends back when it
 * reconnects (Last-Event-ID), as the page sends the count it was read at
 * (`since`): a change in between is answered at once with "missed".
 */
export const GET: RequestHandler = ({ request, url }) => {
  const since = request.headers.get("last-event-id") ?? url.searchParams.get("since");
  const encoder = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const unwatch = watchTonight((change) => send(`id: ${dropInChanges()}\nevent: ${change.event}\ndata:\n\n`));
      const beat = setInterval(() => send(":\n\n"), HEARTBEAT_MS);
      stop = () => {
        clearInterval(beat);
        unwatch();
      };
      const now = String(dropInChanges());
      send(`retry: 2000\n`);
      send(since === now ? `id: ${now}\n\n` : `id: ${now}\nevent: missed\ndata:\n\n`);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
};
