import { refuse as coreRefuse, type Refusal } from "@offshift/core";

/**
 * The one result shape of Voice's use cases (issue 17's shape): refusals are values
 * with their wording; effects are data for the app's dispatcher.
 */
/**
 * Voice has no effect outside its own transaction (no mail, no live event; its audit rows
 * are written in the transaction), so the list is always empty; the shape stays the same.
 */
export type VoiceEffect = never;

export type VoiceRefusalCode = "forbidden" | "invalid" | "not_found" | "conflict" | "too_late" | "not_ended";
export type VoiceRefusal = Refusal<VoiceRefusalCode>;
export type VoiceResult<T extends object = object> = ({ ok: true; effects: VoiceEffect[] } & T) | VoiceRefusal;

/** Core's one refusal maker, held to Voice's codes. */
export const refuse: (code: VoiceRefusalCode, message: string) => VoiceRefusal = coreRefuse;

/** The first message of a failed zod parse, for a refusal. */
export const firstIssue = (error: { issues: readonly { message: string }[] }) =>
  error.issues[0]?.message ?? "That was not valid.";
