import { requireCan } from "$lib/server/guard.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  const person = requireCan(locals, "volunteer.home")!;
  return { firstName: person.displayName.split(/\s+/)[0], roles: person.roles };
};
