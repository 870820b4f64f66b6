import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { magicLink } from "better-auth/plugins";
import { sveltekitCookies } from "better-auth/svelte-kit";
import { getRequestEvent } from "$app/server";
import { clientForAuthAdapter, mayHoldSession } from "@offshift/db";
import { getDb } from "./db.js";
import { env } from "./env.js";
import { sendMail } from "./mail.js";

/**
 * Sign-in for volunteers, facilitators and coordinators: better-auth's email
 * link plugin (single-use links, stored hashed, 15 minutes) and server-side
 * sessions in httpOnly cookies. Chosen over hand-rolled tokens and sessions:
 * it is maintained, supports Prisma and SvelteKit, and does the crypto.
 * Lucia, the other candidate, is no longer maintained as a library.
 */
export const SIGN_IN_LINK_MINUTES = 15;

/** better-auth's cookies are `offshift.session_token` and so on (hooks.server.ts looks for it). */
export const AUTH_COOKIE_PREFIX = "offshift";

function createAuth() {
  const e = env();
  const db = getDb();
  return betterAuth({
    appName: "Offshift",
    baseURL: e.ORIGIN,
    basePath: "/api/auth",
    secret: e.AUTH_SECRET,
    database: prismaAdapter(clientForAuthAdapter(db), { provider: "postgresql" }),
    telemetry: { enabled: false },
    user: {
      modelName: "person",
      fields: { name: "displayName" },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    // Sign-in requests are rate-limited per email and per IP by our own form actions, which call
    // the API on the server. Over HTTP only what a browser needs is served: following a link,
    // reading and ending a session. Asking for a link directly here would skip our limiter, and
    // the account endpoints (changing a name or email, passwords) would skip our own rules.
    rateLimit: { enabled: false },
    disabledPaths: [
      "/sign-in/magic-link",
      "/sign-in/email",
      "/sign-up/email",
      "/update-user",
      "/change-email",
      "/change-password",
      "/set-password",
      "/delete-user",
      "/request-password-reset",
      "/reset-password",
    ],
    advanced: {
      cookiePrefix: AUTH_COOKIE_PREFIX,
      useSecureCookies: e.NODE_ENV === "production",
      database: { generateId: () => crypto.randomUUID() },
      ipAddress: { disableIpTracking: true },
    },
    databaseHooks: {
      session: {
        create: {
          // Only approved, non-erased people get a session; nothing else about
          // the device (IP, browser) is kept.
          before: async (session) => {
            if (!(await mayHoldSession(db, session.userId))) return false;
            return { data: { ...session, ipAddress: null, userAgent: null } };
          },
        },
      },
    },
    plugins: [
      magicLink({
        expiresIn: SIGN_IN_LINK_MINUTES * 60,
        allowedAttempts: 1,
        disableSignUp: true,
        storeToken: "hashed",
        sendMagicLink: async ({ email, url, metadata }) => {
          const approved = metadata?.purpose === "approved";
          await sendMail({
            to: email,
            subject: approved ? "You're approved: welcome to Offshift" : "Your Offshift sign-in link",
            text: [
              approved
                ? "Your application to volunteer with Offshift has been approved. Thank you."
                : "Here is your sign-in link for Offshift.",
              "",
              `Sign in: ${url}`,
              "",
              `The link works once and expires in ${SIGN_IN_LINK_MINUTES} minutes. If it has expired, ask for a new one at ${e.ORIGIN}/signin.`,
              "If you did not ask for this, you can ignore this email.",
            ].join("\n"),
          });
        },
      }),
      sveltekitCookies(getRequestEvent),
    ],
  });
}

let instance: ReturnType<typeof createAuth> | undefined;
export function auth() {
  instance ??= createAuth();
  return instance;
}

/** Sends a sign-in link to an approved person; `purpose` picks the wording. */
export async function sendSignInLink(email: string, headers: Headers, purpose: "signin" | "approved" = "signin") {
  await auth().api.signInMagicLink({
    body: { email, callbackURL: "/me", errorCallbackURL: "/signin", metadata: { purpose } },
    headers,
  });
}
