import { error, redirect } from "@sveltejs/kit";
import { can, type Action, type Resource } from "@offshift/core";

/** Pages and actions call this with the action they perform; signed-out people go to sign in. */
export function requireCan(
  locals: App.Locals,
  action: Action,
  resource?: Resource,
): NonNullable<App.Locals["person"]> | null {
  if (can(locals.actor, action, resource)) return locals.person;
  if (!locals.person) redirect(303, "/signin");
  error(403, "You don't have access to this page.");
}
