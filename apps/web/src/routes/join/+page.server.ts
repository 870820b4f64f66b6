import { fail } from "@sveltejs/kit";
import { agreementFor, can, fieldErrors, guestJoinInput, guestTalkInput, nicknameField } from "@offshift/core";
import { createGuest, renameGuest } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { redirectTo, safeNext } from "$lib/server/forms.js";
import { setGuestCookie } from "$lib/server/guest.js";
import { allowNewGuest } from "$lib/server/rate-limit.js";
import type { Actions, PageServerLoad } from "./$types";
import { clientAddressOf } from "$lib/server/client-address.js";

export const load: PageServerLoad = ({ locals, url }) => ({
  guest: locals.guest,
  signedIn: locals.person !== null,
  next: safeNext(url.searchParams.get("next")),
});

export const actions: Actions = {
  join: async (event) => {
    const { request, locals, cookies } = event;
    const form = Object.fromEntries(await request.formData());
    if (!can(locals.actor, "guest.create"))
      return fail(403, { errors: { form: "You are already signed in." }, values: {} });
    const input = agreementFor(safeNext(form.next)) === "talk" ? guestTalkInput : guestJoinInput;
    const parsed = input.safeParse(form);
    if (!parsed.success) {
      // `next` rides along, so fixing the nickname still takes them where they were going.
      return fail(400, {
        errors: fieldErrors(parsed.error),
        values: { nickname: String(form.nickname ?? "").slice(0, 60), next: safeNext(form.next) },
      });
    }
    if (!(await allowNewGuest(clientAddressOf(event))))
      return fail(429, {
        errors: { form: "Too many people have joined from this connection in the last hour. Please try again later." },
        values: { nickname: parsed.data.nickname },
      });
    const { token } = await createGuest(getDb(), parsed.data);
    setGuestCookie(cookies, token);
    redirectTo(form.next);
  },
  rename: async ({ request, locals }) => {
    const form = Object.fromEntries(await request.formData());
    if (!locals.guest) return fail(403, { errors: { form: "Choose a nickname first." }, values: {} });
    const parsed = nicknameField.safeParse(form.nickname);
    if (!parsed.success) {
      return fail(400, {
        errors: { nickname: parsed.error.issues[0]!.message },
        values: { nickname: String(form.nickname ?? "").slice(0, 60), next: safeNext(form.next) },
      });
    }
    await renameGuest(getDb(), locals.guest.id, parsed.data);
    return { renamed: true, values: { next: safeNext(form.next) } };
  },
};
