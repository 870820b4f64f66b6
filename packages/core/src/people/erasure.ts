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
  /** The series' backup facilitator, if there is one who can still run sessions (approved, not leaving). */
  backup: { id: string; displayName: string } | null;
  /** The backup is already running another session that overlaps this one. */
  backupBusy: boolean;
}

export type Handover =
  | { occurrenceId: string; title: string; startsAt: Date; outcome: "backup"; backupId: string; backupName: string }
  | { occurrenceId: string; title: string; startsAt: Date; outcome: "cancelled"; why: "no_backup" | "backup_busy" };

/**
 * Each session goes to its series' backup when there is one who is free
 * then; otherwise it is cancelled (never left advertised with nobody to run it).
 */
export function planHandover(sessions: readonly DepartingSession[], departingId: string): Handover[] {
  // Sessions handed over in this same plan count too: a backup never gets two that overlap.
  const given = new Map<string, { startsAt: Date; endsAt: Date }[]>();
  return [...sessions]
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
    .map((s): Handover => {
      const base = { occurrenceId: s.occurrenceId, title: s.title, startsAt: s.startsAt };
      if (!s.backup || s.backup.id === departingId) return { ...base, outcome: "cancelled", why: "no_backup" };
      const theirs = given.get(s.backup.id) ?? [];
      if (s.backupBusy || theirs.some((g) => g.startsAt < s.endsAt && s.startsAt < g.endsAt))
        return { ...base, outcome: "cancelled", why: "backup_busy" };
      given.set(s.backup.id, [...theirs, { startsAt: s.startsAt, endsAt: s.endsAt }]);
      return { ...base, outcome: "backup", backupId: s.backup.id, backupName: s.backup.displayName };
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
  const moved = handovers.filter((h) => h.outcome === "backup");
  const cancelled = handovers.filter((h) => h.outcome === "cancelled");
  const lines = [
    `${options.reason === "deleted" ? "A facilitator has deleted their account" : "A facilitator's account was suspended"}. They were running ${handovers.length} upcoming session${handovers.length === 1 ? "" : "s"}.`,
    "",
  ];
  if (moved.length > 0) {
    lines.push(`Given to the backup facilitator (${moved.length}):`);
    for (const h of moved)
      lines.push(`- ${when(h.startsAt, options.timeZone)}  ${h.title}  → ${firstName(h.backupName)}`);
    lines.push("");
  }
  if (cancelled.length > 0) {
    lines.push(`Cancelled (${cancelled.length}), shown to workers as not going ahead:`);
    for (const h of cancelled)
      lines.push(
        `- ${when(h.startsAt, options.timeZone)}  ${h.title}  (${h.why === "no_backup" ? "no backup facilitator" : "the backup is running another session then"})`,
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
        : `${lead}: ${moved.length} session${moved.length === 1 ? "" : "s"} given to backups`,
    text: lines.join("\n"),
  };
}

/**
 * The identity key that replaces a guest's or person's on rows kept for
 * anonymous totals: random per row, so the rows no longer link to anyone or
 * to each other.
 */
export const ERASED_KEY_PREFIX = "gone:";
