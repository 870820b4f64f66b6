/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />

// The installable app's service worker. Offline, a page it cannot fetch is answered
// with the offline page (crisis contacts, Quick exit), whose few files are kept from
// the start. Built assets are content-hashed, so they are kept the first time a page
// uses them and served from here after that: precaching all of them would add about
// 230 kB (compressed) to a worker's first visit on mobile data (Tonight itself is
// about 9 kB) and help nothing offline, where only the offline page is shown. It
// never caches a page or data: a cached Tonight would show yesterday's places as live.
import { build, version } from "$service-worker";

const sw = globalThis.self as unknown as ServiceWorkerGlobalScope;

const CACHE = `offshift-${version}`;
const OFFLINE_PAGE = "/offline.html";
/** What the offline page and notifications need, fetched when the worker installs. */
const PRECACHE = [OFFLINE_PAGE, "/offline.js", "/favicon.svg", "/icons/icon-192.png"];
/** This release's built files: immutable names, so a cached copy is never stale. */
const BUILT = new Set(build);
const KEPT = new Set([...PRECACHE, ...build]);

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE);
      // A new version takes over at once: it only ever serves its own assets.
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      // The page that registered us is served by us from now on, so the first
      // visit is already covered if the signal goes.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;

  if (KEPT.has(url.pathname)) {
    event.respondWith(cachedAsset(request, url.pathname));
  } else if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  }
  // Anything else (page data, /api, realtime, calendar feeds) goes to the network
  // untouched and is never stored.
});

async function cachedAsset(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  if (kept) return kept;
  const response = await fetch(request);
  // Built files are kept on first use (usually straight from the browser's HTTP cache).
  if (BUILT.has(path) && response.ok) await cache.put(path, response.clone());
  return response;
}

async function pageOrOffline(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch {
    const offline = await (await caches.open(CACHE)).match(OFFLINE_PAGE);
    return offline ?? Response.error();
  }
}

/** What realtime pushes (core's pushNotification): already in the wording the device chose. */
interface PushedNotification {
  title: string;
  body: string;
  tag: string;
  url: string;
}

sw.addEventListener("push", (event) => {
  let n: PushedNotification;
  try {
    n = event.data?.json() as PushedNotification;
    if (typeof n?.title !== "string" || typeof n.url !== "string" || !n.url.startsWith("/")) return;
  } catch {
    return;
  }
  event.waitUntil(
    sw.registration.showNotification(n.title, {
      body: n.body,
      tag: n.tag,
      // A plain moon, no name: the icon says no more than the discreet text.
      icon: "/icons/icon-192.png",
      data: { url: n.url },
    }),
  );
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data as { url?: string } | null)?.url ?? "/", sw.location.origin);
  if (url.origin !== sw.location.origin) return;
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).pathname === url.pathname);
      if (open) return void (await open.focus());
      await sw.clients.openWindow(url.href);
    })(),
  );
});
