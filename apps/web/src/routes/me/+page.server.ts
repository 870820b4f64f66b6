import { redirect } from "@sveltejs/kit";
import { can } from "@offshift/core";
import type { PageServerLoad } from "./$types";

/** Where a sign-in link lands: the home that fits the person's roles. */
export const load: PageServerLoad = ({ locals }) => {
  if (!locals.person) redirect(303, "/signin");
  if (can(locals.actor, "application.review")) redirect(303, "/coordinator");
  if (can(locals.actor, "volunteer.home")) redirect(303, "/volunteer");
  redirect(303, "/account");
};
