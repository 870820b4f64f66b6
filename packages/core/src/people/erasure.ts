import { firstName } from "./schema.js";

/**
 * Rules for when someone leaves: what happens to the sessions a departing
 * facilitator was going to run, what coordinators are told, and the keys that
 * stand in for an identity once it is erased.
 */

/** One upcoming session the departing facilitator was going to run. */
export interface DepartingSession {
  occurrenceId: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  /**
   * Who could run it instead, first choice first (the series' lead when that is someone
   * else, then its backup): approved facilitators who are not leaving, each with whether
   * they already run another session that overlaps this one.
   */
  cover: readonly { id: string; displayName: string; busy: boolean }[];
}

export type Handover =
  | { occurrenceId: string; title: string; startsAt: Date; outcome: "reassigned"; toId: string; toName: string }
  | {
      occurrenceId: string;
      title: string;
      startsAt: Date;
      outcome: "cancelled";
      why: "nobody_else" | "others_busy";
    };

/**
 * Each session goes to the first facilitator who could run it and is free
 * then; otherwise it is cancelled (never left advertised with nobody to run it).
 */
export function planHandover(sessions: readonly DepartingSession[], departingId: string): Handover[] {
  // Sessions handed over in this same plan count too: nobody is given two that overlap.
  const given = new Map<string, { startsAt: Date; endsAt: Date }[]>();
  const free = (c: DepartingSession["cover"][number], s: DepartingSession) =>
    !c.busy && !(given.get(c.id) ?? []).some((g) => g.startsAt < s.endsAt && s.startsAt < g.endsAt);
  return [...sessions]
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
    .map((s): Handover => {
      const base = { occurrenceId: s.occurrenceId, title: s.title, startsAt: s.startsAt };
      const cover = s.cover.filter((c) => c.id !== departingId);
      if (cover.length === 0) return { ...base, outcome: "cancelled", why: "nobody_else" };
      const to = cover.find((c) => free(c, s));
      if (!to) return { ...base, outcome: "cancelled", why: "others_busy" };
      given.set(to.id, [...(given.get(to.id) ?? []), { startsAt: s.startsAt, endsAt: s.endsAt }]);
      return { ...base, outcome: "reassigned", toId: to.id, toName: to.displayName };
    });
}

const when = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(d);

/**
 * The one mail coordinators get. It never names the person who left (their
 * name is what was just erased); it lists every session and what became of it.
 */
export function handoverSummaryMail(
  handovers: readonly Handover[],
  options: {
    timeZone: string;
    origin: string;
    seriesToBackup: readonly string[];
    seriesStopped: readonly string[];
    reason: "deleted" | "suspended";
  },
): { subject: string; text: string } {
  const lead = options.reason === "deleted" ? "A facilitator left" : "A facilitator was suspended";
  const moved = handovers.filter((h) => h.outcome === "reassigned");
  const cancelled = handovers.filter((h) => h.outcome === "cancelled");
  const lines = [
    `${options.reason === "deleted" ? "A facilitator has deleted their account" : "A facilitator's account was suspended"}. They were running ${handovers.length} upcoming session${handovers.length === 1 ? "" : "s"}.`,
    "",
  ];
  if (moved.length > 0) {
    lines.push(`Given to another facilitator (${moved.length}):`);
    for (const h of moved) lines.push(`- ${when(h.startsAt, options.timeZone)}  ${h.title}  → ${firstName(h.toName)}`);
    lines.push("");
  }
  if (cancelled.length > 0) {
    lines.push(`Cancelled (${cancelled.length}), shown to workers as not going ahead:`);
    for (const h of cancelled)
      lines.push(
        `- ${when(h.startsAt, options.timeZone)}  ${h.title}  (${h.why === "nobody_else" ? "no other facilitator for it" : "the others are running another session then"})`,
      );
    lines.push("");
  }
  if (options.seriesToBackup.length > 0)
    lines.push(`Series now led by their backup: ${options.seriesToBackup.join(", ")}.`, "");
  if (options.seriesStopped.length > 0)
    lines.push(
      `Series with nobody to lead them, which make no new sessions until you give them to someone: ${options.seriesStopped.join(", ")}.`,
      "",
    );
  lines.push(`${options.origin.replace(/\/+$/, "")}/coordinator`, "");
  return {
    subject:
      cancelled.length > 0
        ? `${lead}: ${cancelled.length} session${cancelled.length === 1 ? "" : "s"} cancelled`
        : `${lead}: ${moved.length} session${moved.length === 1 ? "" : "s"} given to other facilitators`,
    text: lines.join("\n"),
  };
}
