import type { Cookies } from "@sveltejs/kit";
import { env } from "./env.js";

export const GUEST_COOKIE = "offshift_guest";

/** The guest's credential: random, httpOnly, a year; the server keeps only its hash. */
export function setGuestCookie(cookies: Cookies, token: string) {
  cookies.set(GUEST_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: env().NODE_ENV === "production",
    maxAge: 60 * 60 * 24 * 365,
  });
}

/** "Forget me on this device": the browser no longer holds the guest's credential. */
export function clearGuestCookie(cookies: Cookies) {
  cookies.delete(GUEST_COOKIE, { path: "/" });
}
