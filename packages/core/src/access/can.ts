/**
 * Authorization: one pure function used by every page, action, API route and
 * socket event. Nobody sees or does more than their role needs.
 */

export type Role = "WORKER" | "VOLUNTEER" | "FACILITATOR" | "COORDINATOR";
export type PersonStatus = "APPLIED" | "APPROVED" | "SUSPENDED";

export type Actor =
  | { kind: "visitor" }
  | { kind: "guest"; guestId: string }
  | { kind: "person"; personId: string; roles: readonly Role[]; status: PersonStatus };

export const ACTIONS = [
  "dropin.view",
  "dropin.join",
  "dropin.markIntent",
  "talk.request",
  "guest.create",
  "guest.forgetOwn",
  "volunteer.apply",
  "volunteer.home",
  "rota.signUp",
  "oncall.start",
  "series.manage",
  "room.open",
  "room.moderate",
  "safeguarding.flag",
  "safeguarding.review",
  "application.review",
  "person.suspend",
  "attendance.viewAggregate",
  "account.manageOwn",
  "reminder.manage",
  "rota.manage",
  "talk.viewAggregate",
  "voice.tickThemes",
  "voice.leaveWord",
  "voice.manage",
  "push.subscribe",
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Resource {
  /** The person a record belongs to (own data). */
  ownerPersonId?: string;
  /**
   * Facilitators of the series or session concerned (`facilitatorsOf` in
   * core/dropins/runners.ts). For `series.manage`, absent means "any series"
   * (the facilitator pages themselves).
   */
  facilitatorIds?: readonly string[];
}

const hasRole = (actor: Actor, role: Role) =>
  actor.kind === "person" && actor.status === "APPROVED" && actor.roles.includes(role);

export function can(actor: Actor, action: Action, resource: Resource = {}): boolean {
  // A suspended or not-yet-approved account has no more rights than a visitor
  // (it cannot sign in; this covers a session that outlives a suspension).
  const active = actor.kind === "person" && actor.status === "APPROVED";
  const isCoordinator = hasRole(actor, "COORDINATOR");

  switch (action) {
    case "dropin.view":
      return true;
    case "dropin.markIntent":
      // "Count me in" counts people: one per guest or account, never one per cookie-less request.
      return actor.kind === "guest" || active;
    case "guest.create":
      return actor.kind !== "person" || !active;
    case "guest.forgetOwn":
      // "Forget me on this device": only the guest the cookie belongs to.
      return actor.kind === "guest";
    case "volunteer.apply":
      return actor.kind !== "person";
    case "dropin.join":
    case "talk.request":
    case "voice.leaveWord":
      return actor.kind === "guest" || active;
    case "volunteer.home":
      return hasRole(actor, "VOLUNTEER") || hasRole(actor, "FACILITATOR");
    case "rota.signUp":
    case "oncall.start":
      return hasRole(actor, "VOLUNTEER");
    case "series.manage":
      // A coordinator manages every series; a facilitator their own (lead, backup or given the session).
      return (
        isCoordinator ||
        (hasRole(actor, "FACILITATOR") &&
          actor.kind === "person" &&
          (resource.facilitatorIds === undefined || resource.facilitatorIds.includes(actor.personId)))
      );
    case "room.open":
      // Whoever opens the room becomes the facilitator workers see: one of the session's own, not a coordinator.
      return (
        hasRole(actor, "FACILITATOR") &&
        actor.kind === "person" &&
        (resource.facilitatorIds ?? []).includes(actor.personId)
      );
    case "room.moderate":
      return (
        isCoordinator ||
        (hasRole(actor, "FACILITATOR") &&
          actor.kind === "person" &&
          (resource.facilitatorIds ?? []).includes(actor.personId))
      );
    case "voice.tickThemes":
      // Only whoever ran the session (a drop-in's facilitator, a call's volunteer); not even a coordinator.
      return (
        (hasRole(actor, "FACILITATOR") || hasRole(actor, "VOLUNTEER")) &&
        actor.kind === "person" &&
        (resource.facilitatorIds ?? []).includes(actor.personId)
      );
    case "safeguarding.flag":
      return hasRole(actor, "VOLUNTEER") || hasRole(actor, "FACILITATOR") || isCoordinator;
    case "safeguarding.review":
    case "application.review":
    case "rota.manage":
    case "person.suspend":
    case "attendance.viewAggregate":
    case "talk.viewAggregate":
    case "voice.manage":
      return isCoordinator;
    case "reminder.manage":
      // Email reminders need an account (the use case also checks it has an email).
      return active;
    case "push.subscribe":
      // A device's pushes belong to whoever uses it: a guest or an active account, never a stranger.
      return actor.kind === "guest" || active;
    case "account.manageOwn":
      // Own data only; a suspended person may still download or erase it.
      return actor.kind === "person" && resource.ownerPersonId === actor.personId;
  }
}
