import { firstName } from "@offshift/core";
import { requireCan } from "$lib/server/guard.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  const person = requireCan(locals, "volunteer.home");
  return { firstName: firstName(person.displayName), roles: person.roles };
};
