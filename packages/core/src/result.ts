/**
 * One result shape for every use case: `{ ok: true, …, effects }` or a
 * refusal `{ ok: false, code, message }`. `code` is the reason in a word a
 * program can branch on; `message` is the plain sentence a person is shown.
 * Each transport turns a refusal into its status in one place (web: a
 * refusal mapper over `httpStatusFor`).
 */
export interface Refusal<C extends string = string> {
  ok: false;
  code: C;
  message: string;
}

export function refuse<C extends string>(code: C, message: string): Refusal<C> {
  return { ok: false, code, message };
}
