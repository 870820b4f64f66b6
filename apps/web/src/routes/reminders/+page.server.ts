import { fail, redirect } from "@sveltejs/kit";
import { fieldErrors, workerAccountInput } from "@offshift/core";
import { createWorkerAccount, maySendSignInLink } from "@offshift/db";
import { sendSignInLink } from "$lib/server/auth.js";
import { getDb } from "$lib/server/db.js";
import { allowSignInRequest } from "$lib/server/rate-limit.js";
import type { Actions, PageServerLoad } from "./$types";
import { clientAddressOf } from "$lib/server/client-address.js";

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.person) redirect(303, "/account");
  return { nickname: locals.guest?.nickname ?? "", sent: url.searchParams.has("sent") };
};

export const actions: Actions = {
  default: async (event) => {
    const { request } = event;
    const form = Object.fromEntries(await request.formData());
    const values = {
      email: String(form.email ?? "").slice(0, 254),
      nickname: String(form.nickname ?? "").slice(0, 60),
    };
    const parsed = workerAccountInput.safeParse(form);
    if (!parsed.success) return fail(400, { errors: fieldErrors(parsed.error), values });
    if (!(await allowSignInRequest(parsed.data.email, clientAddressOf(event)))) {
      return fail(429, { errors: { email: "Too many requests. Please wait 15 minutes and try again." }, values });
    }
    await createWorkerAccount(getDb(), parsed.data);
    // Whether new or existing, an approved account gets a sign-in link; the page says the same.
    if (await maySendSignInLink(getDb(), parsed.data.email)) await sendSignInLink(parsed.data.email, request.headers);
    redirect(303, "/reminders?sent");
  },
};
