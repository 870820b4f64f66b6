import type { SAFEGUARDING_CATEGORIES } from "@offshift/core";

/**
 * The words for each kind of safeguarding concern (core's SAFEGUARDING_CATEGORIES),
 * the same wherever a concern is raised (a room, a call) or read (the coordinators' list).
 */
export const SAFEGUARDING_LABELS: Record<(typeof SAFEGUARDING_CATEGORIES)[number], string> & Record<string, string> = {
  "risk-to-self": "Risk to themselves",
  "risk-to-others": "Risk to others",
  "abuse-or-neglect-disclosed": "Abuse or neglect disclosed",
  "worker-in-danger-now": "A worker in danger now",
  other: "Something else",
};
