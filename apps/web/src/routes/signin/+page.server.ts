import { fail, redirect } from "@sveltejs/kit";
import { fieldErrors, signInRequestInput } from "@offshift/core";
import { maySendSignInLink } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { sendSignInLink, SIGN_IN_LINK_MINUTES } from "$lib/server/auth.js";
import { allowSignInRequest } from "$lib/server/rate-limit.js";
import type { Actions, PageServerLoad } from "./$types";
import { clientAddressOf } from "$lib/server/client-address.js";

const linkErrors: Record<string, string> = {
  INVALID_TOKEN: `That sign-in link can't be used: each link works once and expires after ${SIGN_IN_LINK_MINUTES} minutes. Ask for a new one below.`,
  failed_to_create_session:
    "Your account isn't active, so you can't sign in. If you think that's a mistake, contact your coordinator.",
  new_user_signup_disabled: "There's no approved account for that link. Volunteers can apply below.",
};

export const load: PageServerLoad = ({ url, locals }) => {
  const code = url.searchParams.get("error");
  if (locals.person && !code) redirect(303, "/me");
  return {
    sent: url.searchParams.has("sent"),
    linkError: code ? (linkErrors[code] ?? "That sign-in link didn't work. Ask for a new one below.") : null,
    minutes: SIGN_IN_LINK_MINUTES,
  };
};

export const actions: Actions = {
  default: async (event) => {
    const { request } = event;
    const form = Object.fromEntries(await request.formData());
    const parsed = signInRequestInput.safeParse(form);
    if (!parsed.success)
      return fail(400, { errors: fieldErrors(parsed.error), email: String(form.email ?? "").slice(0, 254) });
    const { email } = parsed.data;
    if (!(await allowSignInRequest(email, clientAddressOf(event)))) {
      return fail(429, {
        errors: { email: "Too many sign-in requests. Please wait 15 minutes and try again." },
        email,
      });
    }
    // The answer is the same whether or not the email has an account.
    if (await maySendSignInLink(getDb(), email)) await sendSignInLink(email, request.headers);
    redirect(303, "/signin?sent");
  },
};
