import { fail, redirect } from "@sveltejs/kit";
import { z } from "zod";
import { personChannel } from "@offshift/core";
import { erasePerson } from "@offshift/db";
import { auth } from "$lib/server/auth.js";
import { getDb } from "$lib/server/db.js";
import { now as clockNow } from "$lib/server/clock.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { disconnectIdentity } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import { failWith } from "$lib/server/refusals.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  if (!locals.person) redirect(303, "/signin");
  const person = requireCan(locals, "account.manageOwn", { ownerPersonId: locals.person.id });
  return { displayName: person.displayName, email: person.email, roles: person.roles };
};

const confirmDelete = z.object({
  confirm: z.literal("on", { error: "Tick the box to confirm you want to delete your account" }),
});

export const actions: Actions = {
  signOut: async ({ request }) => {
    await auth().api.signOut({ headers: request.headers });
    redirect(303, "/");
  },
  signOutEverywhere: async ({ request, locals }) => {
    if (!locals.person) redirect(303, "/signin");
    await auth().api.revokeSessions({ headers: request.headers });
    disconnectIdentity(personChannel(locals.person.id));
    redirect(303, "/signin");
  },
  delete: async ({ request, locals, cookies }) => {
    if (!locals.person) redirect(303, "/signin");
    const person = requireCan(locals, "account.manageOwn", { ownerPersonId: locals.person.id });
    const parsed = confirmDelete.safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { error: parsed.error.issues[0]!.message });
    const now = clockNow();
    const result = await erasePerson(getDb(), {
      personId: person.id,
      now,
      timeZone: env().ORG_TIMEZONE,
      origin: env().ORIGIN,
      aliasSecret: env().REALTIME_TICKET_SECRET,
    });
    if (!result.ok) return failWith(result);
    await dispatchEffects(result.effects, request);
    for (const c of cookies.getAll()) if (c.name.startsWith("offshift.")) cookies.delete(c.name, { path: "/" });
    redirect(303, "/?account=deleted");
  },
};
