import { fail, redirect } from "@sveltejs/kit";
import { z } from "zod";
import { can, guestChannel } from "@offshift/core";
import { forgetGuest } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { disconnectIdentity } from "$lib/server/events.js";
import { clearGuestCookie } from "$lib/server/guest.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => ({
  nickname: locals.guest?.nickname ?? null,
  signedIn: locals.person !== null,
});

const confirmForget = z.object({
  confirm: z.literal("yes", { error: "Press “Yes, forget me” to confirm." }),
});

export const actions: Actions = {
  default: async ({ request, locals, cookies }) => {
    if (!locals.guest || !can(locals.actor, "guest.forgetOwn"))
      return fail(400, { error: "There is nothing to forget on this device." });
    const parsed = confirmForget.safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { error: parsed.error.issues[0]!.message });
    const guestId = locals.guest.id;
    const at = now();
    const result = await forgetGuest(getDb(), { guestId, now: at, aliasSecret: env().REALTIME_TICKET_SECRET });
    // Gone already (another tab got there first): the cookie still goes.
    clearGuestCookie(cookies);
    disconnectIdentity(guestChannel(guestId));
    if (result.ok) await dispatchEffects(result.effects, request);
    redirect(303, "/forget/done");
  },
};
