import { redirect } from "@sveltejs/kit";

/** A same-site path to return to after a form, or "/". Never an external URL. */
export function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])[\w\-./?=&%]*$/.test(value) && value.length < 300 ? value : "/";
}

export function redirectTo(next: unknown): never {
  redirect(303, safeNext(next));
}
