import { randomBytes } from "node:crypto";
import type { Handle, HandleServerError } from "@sveltejs/kit";
import { building } from "$app/environment";
import { browserKey as browserKeySchema, wallTimeAt } from "@offshift/core";
import { findGuestByToken } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { GUEST_COOKIE } from "$lib/server/guest.js";
import { env } from "$lib/server/env.js";
import { logger } from "$lib/server/logger.js";

// Parse the environment at start-up, not on the first request.
if (!building) env();

const BROWSER_KEY_COOKIE = "offshift_bk";
const THEME_COOKIE = "offshift_theme";
const ONE_YEAR = 60 * 60 * 24 * 365;

/** Dark from 19:00 to 07:00 in the organisation's zone unless the person chose. */
function themeFor(choice: string | undefined): "dark" | "light" {
  if (choice === "dark" || choice === "light") return choice;
  const hour = wallTimeAt(new Date(), env().ORG_TIMEZONE).hour;
  return hour >= 19 || hour < 7 ? "dark" : "light";
}

export const handle: Handle = async ({ event, resolve }) => {
  let key = event.cookies.get(BROWSER_KEY_COOKIE);
  if (!key || !browserKeySchema.safeParse(key).success) {
    key = randomBytes(24).toString("base64url");
    event.cookies.set(BROWSER_KEY_COOKIE, key, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: env().NODE_ENV === "production",
      maxAge: ONE_YEAR,
    });
  }
  event.locals.browserKey = key;

  event.locals.guest = await findGuestByToken(getDb(), event.cookies.get(GUEST_COOKIE));
  event.locals.person = null;
  event.locals.actor = event.locals.guest ? { kind: "guest", guestId: event.locals.guest.id } : { kind: "visitor" };

  const theme = themeFor(event.cookies.get(THEME_COOKIE));
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace("%offshift.theme%", theme),
  });
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "no-referrer");
  return response;
};

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
