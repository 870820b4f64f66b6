import { randomBytes } from "node:crypto";
import { now as clockNow } from "$lib/server/clock.js";
import type { Handle, HandleServerError } from "@sveltejs/kit";
import { building } from "$app/environment";
import { isAuthPath, svelteKitHandler } from "better-auth/svelte-kit";
import { getSessionCookie } from "better-auth/cookies";
import { AUTH_COOKIE_PREFIX, auth } from "$lib/server/auth.js";
import { browserKey as browserKeySchema, wallTimeAt } from "@offshift/core";
import { findGuestByToken, findSignedInPerson } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { GUEST_COOKIE } from "$lib/server/guest.js";
import { env } from "$lib/server/env.js";
import { logger } from "$lib/server/logger.js";
import { compressResponse } from "$lib/server/compress.js";
import { keepTonight, keptTonight, tonightMark, visitorTonightKey } from "$lib/server/tonight-page.js";

// Parse the environment at start-up, not on the first request.
if (!building) env();

const BROWSER_KEY_COOKIE = "offshift_bk";
const THEME_COOKIE = "offshift_theme";
const ONE_YEAR = 60 * 60 * 24 * 365;

/** Dark from 19:00 to 07:00 in the organisation's zone unless the person chose. */
function themeFor(choice: string | undefined): "dark" | "light" {
  if (choice === "dark" || choice === "light") return choice;
  const hour = wallTimeAt(clockNow(), env().ORG_TIMEZONE).hour;
  return hour >= 19 || hour < 7 ? "dark" : "light";
}

/** Where this page's browser will open its socket (see lib/realtime.svelte.ts). */
function realtimeOrigins(pageUrl: URL): string {
  const base = env().PUBLIC_REALTIME_URL
    ? new URL(env().PUBLIC_REALTIME_URL!)
    : new URL(`${pageUrl.protocol}//${pageUrl.hostname}:${env().REALTIME_PORT}`);
  const ws = `${base.protocol === "https:" ? "wss:" : "ws:"}//${base.host}`;
  return `${base.origin} ${ws} ${liveKitOrigins()}`.trim();
}

/** LiveKit's signalling (ws/wss) and its http(s) twin, which its client asks when a connection fails. */
function liveKitOrigins(): string {
  const url = env().LIVEKIT_URL;
  if (!url) return "";
  const ws = new URL(url);
  const secure = ws.protocol === "wss:";
  return `${secure ? "wss:" : "ws:"}//${ws.host} ${secure ? "https:" : "http:"}//${ws.host}`;
}

/** Probes answer without cookies, sessions or the database (readyz asks the database itself). */
const PROBES = new Set(["/healthz", "/readyz"]);

export const handle: Handle = async ({ event, resolve }) => {
  if (PROBES.has(event.url.pathname)) return resolve(event);
  let key = event.cookies.get(BROWSER_KEY_COOKIE);
  const newCookies: string[] = [];
  if (!key || !browserKeySchema.safeParse(key).success) {
    key = randomBytes(24).toString("base64url");
    const options = {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: env().NODE_ENV === "production",
      maxAge: ONE_YEAR,
    } as const;
    event.cookies.set(BROWSER_KEY_COOKIE, key, options);
    newCookies.push(event.cookies.serialize(BROWSER_KEY_COOKIE, key, options));
  }
  event.locals.browserKey = key;

  event.locals.person = null;
  // Most visitors (workers) never sign in: without better-auth's session cookie there is no
  // session to look up, and asking better-auth would still cost it a context and a parse.
  const session = getSessionCookie(event.request, { cookiePrefix: AUTH_COOKIE_PREFIX })
    ? await auth().api.getSession({ headers: event.request.headers })
    : null;
  if (session) event.locals.person = await findSignedInPerson(getDb(), session.user.id);
  event.locals.guest = event.locals.person ? null : await findGuestByToken(getDb(), event.cookies.get(GUEST_COOKIE));
  event.locals.actor = event.locals.person
    ? {
        kind: "person",
        personId: event.locals.person.id,
        roles: event.locals.person.roles,
        status: event.locals.person.status,
      }
    : event.locals.guest
      ? { kind: "guest", guestId: event.locals.guest.id }
      : { kind: "visitor" };

  const theme = themeFor(event.cookies.get(THEME_COOKIE));
  // A visitor's Tonight: the same finished page for everyone until a drop-in changes (tonight-page.ts).
  const tonightKey = visitorTonightKey(event, theme);
  if (tonightKey) {
    const page = keptTonight(tonightKey, newCookies);
    if (page) return page;
  }
  // Taken before the page is made: it is kept as of then (tonight-page.ts).
  const mark = tonightKey ? tonightMark() : null;
  const response =
    !building && isAuthPath(event.url.toString(), auth().options)
      ? await authResponse(event.request)
      : await svelteKitHandler({
          event,
          auth: auth(),
          building,
          resolve: (e) => resolve(e, { transformPageChunk: ({ html }) => html.replace("%offshift.theme%", theme) }),
        });
  const csp = response.headers.get("content-security-policy");
  if (csp)
    response.headers.set(
      "content-security-policy",
      csp.replace("connect-src 'self'", `connect-src 'self' ${realtimeOrigins(event.url)}`),
    );
  response.headers.set("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: with no-referrer browsers send "Origin: null"
  // on form posts, which the CSRF check rightly refuses.
  response.headers.set("Referrer-Policy", "same-origin");
  if (env().NODE_ENV === "production")
    response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  const sent = await compressResponse(event.request, response);
  return tonightKey && mark ? keepTonight(tonightKey, mark, sent) : sent;
};

/** Sign-in requests are a few hundred bytes; anything near this is not one. */
const AUTH_BODY_LIMIT = 64 * 1024;
const tooLarge = () =>
  Response.json({ code: "TOO_LARGE", message: "That request was too large. Please try again." }, { status: 413 });

/**
 * better-auth answers a body it cannot read (over SvelteKit's limit, or cut
 * off) with a server error; read it here, within a limit, and answer plainly.
 */
async function authResponse(request: Request): Promise<Response> {
  if (request.method === "GET" || request.method === "HEAD") return auth().handler(request);
  if (Number(request.headers.get("content-length") ?? 0) > AUTH_BODY_LIMIT) return tooLarge();
  let body: ArrayBuffer;
  try {
    body = await request.arrayBuffer();
  } catch {
    return tooLarge(); // SvelteKit stopped reading at its own limit
  }
  if (body.byteLength > AUTH_BODY_LIMIT) return tooLarge();
  return auth().handler(new Request(request.url, { method: request.method, headers: request.headers, body }));
}

export const handleError: HandleServerError = ({ error, event, status }) => {
  if (status !== 404) {
    logger.error(
      { err: error instanceof Error ? error.message : String(error), path: event.url.pathname, status },
      "request failed",
    );
  }
  return {
    message: status === 404 ? "We could not find that page." : "Something went wrong on our side. Please try again.",
  };
};
