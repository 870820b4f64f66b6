import { fail, type ActionFailure } from "@sveltejs/kit";
import { httpStatusFor, type ErrorCode, type Refusal } from "@offshift/core";

/**
 * Web's one mapper from a use case's refusal to an HTTP status: the refusal's
 * code says which kind of "no" it is, core's `httpStatusFor` which status
 * that kind gets. Any code not named here is a conflict with the current
 * state (already done, ended, taken, too early…).
 */
const kinds: Partial<Record<string, ErrorCode>> = {
  not_found: "NOT_FOUND",
  forbidden: "FORBIDDEN",
  own_account: "FORBIDDEN",
  invalid: "INVALID",
  in_the_past: "INVALID",
  too_far_ahead: "INVALID",
  not_a_facilitator: "INVALID",
};

export function statusOf(refusal: Refusal): number {
  return httpStatusFor[kinds[refusal.code] ?? "CONFLICT"];
}

/** A refused form action: the status for its code, and its plain words as the form's `error`. */
export function failWith<T extends Record<string, unknown> = Record<never, never>>(
  refusal: Refusal,
  data: T = {} as T,
): ActionFailure<T & { error: string }> {
  return fail(statusOf(refusal), { ...data, error: refusal.message });
}
