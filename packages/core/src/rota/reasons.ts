/**
 * Why a volunteer cannot take a slot, in words a volunteer and a coordinator
 * both read: `message` speaks to the volunteer ("would leave 6 h before your
 * early"); `group` is how the coordinator's gap list counts them ("3 volunteers
 * working nights, 2 at weekly max").
 */

/** In the order they are checked; the first is a volunteer's main reason. */
export const REASON_CODES = [
  "already_on_slot",
  "double_booked",
  "at_work",
  "after_work",
  "split_return",
  "rest_before_work",
  "outside_windows",
  "weekly_max_slots",
  "weekly_max_hours",
  "late_nights",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  message: string;
  group: string;
}

export type Eligibility = { eligible: true } | { eligible: false; reasons: Reason[] };

/** "early" -> "earlies", "long day" -> "long days", "night" -> "nights". */
export const plural = (name: string): string => (/[^aeiou]y$/i.test(name) ? `${name.slice(0, -1)}ies` : `${name}s`);
const article = (name: string) => (/^[aeiou]/i.test(name) ? `an ${name}` : `a ${name}`);

/** "6 h", "5 h 30 min", "45 min" (rounded down to the minute). */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

const hours = (minutes: number) => formatDuration(minutes * 60_000);

export const rotaReasons = {
  alreadyOnSlot: (): Reason => ({ code: "already_on_slot", message: "already on this slot", group: "already on it" }),
  doubleBooked: (slotName: string, at: string): Reason => ({
    code: "double_booked",
    message: `already on ${slotName} at ${at}`,
    group: "on another slot then",
  }),
  atWork: (shift: string, from: string | null, until: string): Reason => ({
    code: "at_work",
    message: from ? `working ${article(shift)} from ${from}` : `working ${article(shift)} until ${until}`,
    group: `working ${plural(shift)}`,
  }),
  afterWork: (shift: string, until: string, bufferMinutes: number): Reason => ({
    code: "after_work",
    message: `finishing ${article(shift)} at ${until}, needs ${hours(bufferMinutes)} before a slot`,
    group: `just off ${plural(shift)}`,
  }),
  splitReturn: (shift: string, at: string, bufferMinutes: number): Reason => ({
    code: "split_return",
    message: `back at work on your ${shift} at ${at}, needs ${hours(bufferMinutes)} after a slot`,
    group: `due back on ${plural(shift)}`,
  }),
  restBeforeWork: (shift: string, restMs: number): Reason => ({
    code: "rest_before_work",
    message: `would leave ${formatDuration(restMs)} before your ${shift}`,
    group: `starting ${plural(shift)} soon after`,
  }),
  outsideWindows: (): Reason => ({
    code: "outside_windows",
    message: "outside the times you offered",
    group: "outside the times they offered",
  }),
  weeklyMaxSlots: (max: number): Reason => ({
    code: "weekly_max_slots",
    message:
      max === 0
        ? "not taking slots (weekly max 0)"
        : `already at your weekly max of ${max} slot${max === 1 ? "" : "s"}`,
    group: "at weekly max",
  }),
  weeklyMaxHours: (wouldBeMinutes: number, maxHours: number): Reason => ({
    code: "weekly_max_hours",
    message: `would take you to ${hours(wouldBeMinutes)} that week (max ${hours(maxHours * 60)})`,
    group: "at weekly max",
  }),
  lateNights: (run: number, max: number): Reason => ({
    code: "late_nights",
    message: max === 0 ? "not taking late nights" : `would be ${run} late nights in a row (max ${max})`,
    group: "at their late-night limit",
  }),
};

/**
 * Why a slot a volunteer already holds no longer fits, as whole sentences
 * for them ("It clashes with your late, 14:00–22:00."). Same codes and groups
 * as rotaReasons; only the time rules apply to a slot already held.
 */
export const heldSlotReasons = {
  overlapsSlot: (slotName: string, at: string): Reason => ({
    code: "double_booked",
    message: `It overlaps your ${slotName} at ${at}.`,
    group: "on another slot then",
  }),
  runsDropIn: (title: string, at: string): Reason => ({
    code: "double_booked",
    message: `It clashes with the drop-in "${title}" you run at ${at}.`,
    group: "on another slot then",
  }),
  atWork: (shift: string, from: string, until: string): Reason => ({
    code: "at_work",
    message: `It clashes with your ${shift}, ${from}–${until}.`,
    group: `working ${plural(shift)}`,
  }),
  afterWork: (shift: string, until: string, gapMs: number, bufferMinutes: number): Reason => ({
    code: "after_work",
    message: `It starts ${gapMs > 0 ? `${formatDuration(gapMs)} after` : "as"} your ${shift} ends at ${until}; you need ${hours(bufferMinutes)} between.`,
    group: `just off ${plural(shift)}`,
  }),
  splitReturn: (shift: string, at: string, gapMs: number, bufferMinutes: number): Reason => ({
    code: "split_return",
    message: `You're due back on your ${shift} at ${at}, ${formatDuration(gapMs)} after it ends; you need ${hours(bufferMinutes)} between.`,
    group: `due back on ${plural(shift)}`,
  }),
  restBeforeWork: (shift: string, restMs: number, minRestMinutes: number): Reason => ({
    code: "rest_before_work",
    message: `It leaves ${formatDuration(restMs)} before your ${shift}; you need ${hours(minRestMinutes)} rest.`,
    group: `starting ${plural(shift)} soon after`,
  }),
  outsideWindows: (): Reason => ({
    code: "outside_windows",
    message: "It's outside the times you offered.",
    group: "outside the times they offered",
  }),
};

/**
 * "3 volunteers working nights, 2 at weekly max, 1 available": counts by
 * group, largest first (ties alphabetical).
 */
export function summariseReasons(groups: readonly { group: string; count: number }[]): string {
  return groups
    .map((g, i) => `${g.count}${i === 0 ? ` volunteer${g.count === 1 ? "" : "s"}` : ""} ${g.group}`)
    .join(", ");
}

export function countReasonGroups(groups: readonly string[]): { group: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts]
    .map(([group, count]) => ({ group, count }))
    .sort((a, b) => b.count - a.count || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}
