import { error, redirect } from "@sveltejs/kit";
import { can, type Action, type Resource } from "@offshift/core";

/**
 * Pages and actions call this with the action they perform; signed-out people
 * go to sign in. Every action a page guards this way belongs to a signed-in
 * person, so the answer is that person (never null). Use cases check `can()`
 * again themselves, with the resource they load.
 */
export function requireCan(locals: App.Locals, action: Action, resource?: Resource): NonNullable<App.Locals["person"]> {
  if (!locals.person) redirect(303, "/signin");
  if (can(locals.actor, action, resource)) return locals.person;
  error(403, "You don't have access to this page.");
}

/**
 * For form actions whose use case asks `can()` itself: only "is someone signed
 * in" is answered here (signed-out people go to sign in); whether they may do
 * it is the use case's refusal.
 */
export function requireSignedIn(locals: App.Locals): NonNullable<App.Locals["person"]> {
  if (!locals.person) redirect(303, "/signin");
  return locals.person;
}
