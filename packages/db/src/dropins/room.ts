import { nightLabel } from "@offshift/core";
import { client, type Db } from "../client.js";
import { enqueueMail } from "../mail/outbox.js";

interface Claimed {
  id: string;
  seriesId: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  facilitatorId: string | null;
}

/**
 * "The facilitator has not opened the room": every scheduled session that has
 * started (startsAt <= now < endsAt) with the room still closed is claimed
 * once (`backupAlertedAt` set by a single UPDATE … RETURNING, so concurrent
 * runs on several nodes claim each session once), and in the same transaction
 * mail is queued to the series' backup facilitator (approved, not erased,
 * with an email, and not the person running it) or, if there is none, to every
 * approved coordinator. Dedupe key `room-alert:<occurrenceId>:<personId>`; the
 * mail expires when the session ends. Returns the claimed occurrence ids.
 */
export async function alertUnopenedSessions(
  handle: Db,
  now: Date,
  options: { timeZone: string; origin: string },
): Promise<string[]> {
  const db = client(handle);
  const at = now.toISOString();
  const origin = options.origin.replace(/\/+$/, "");
  return db.$transaction(async (tx) => {
    const claimed = await tx.$queryRaw<Claimed[]>`
      UPDATE "DropInOccurrence"
      SET "backupAlertedAt" = ${at}::timestamptz
      WHERE "status" = 'SCHEDULED'
        AND "openedAt" IS NULL
        AND "backupAlertedAt" IS NULL
        AND "startsAt" <= ${at}::timestamptz
        AND "endsAt" > ${at}::timestamptz
      RETURNING "id", "seriesId", "title", "startsAt", "endsAt", "facilitatorId"`;
    if (claimed.length === 0) return [];

    const series = await tx.dropInSeries.findMany({
      where: { id: { in: [...new Set(claimed.map((c) => c.seriesId))] } },
      select: {
        id: true,
        backupFacilitator: { select: { id: true, email: true, status: true, erasedAt: true } },
      },
    });
    const backupBySeries = new Map(series.map((s) => [s.id, s.backupFacilitator]));
    let coordinators: { id: string; email: string | null }[] | undefined;

    for (const occ of claimed) {
      const backup = backupBySeries.get(occ.seriesId);
      const backupEmail =
        backup && backup.status === "APPROVED" && !backup.erasedAt && backup.id !== occ.facilitatorId
          ? backup.email
          : null;
      const backupOk = Boolean(backup && backupEmail);
      let recipients: { id: string; email: string }[];
      if (backup && backupEmail) {
        recipients = [{ id: backup.id, email: backupEmail }];
      } else {
        coordinators ??= await tx.person.findMany({
          where: { roles: { has: "COORDINATOR" }, status: "APPROVED", erasedAt: null, email: { not: null } },
          select: { id: true, email: true },
        });
        recipients = coordinators.flatMap((c) => (c.email ? [{ id: c.id, email: c.email }] : []));
      }
      const when = nightLabel(new Date(occ.startsAt), now, options.timeZone);
      const link = `${origin}/sessions/${occ.id}`;
      const why = backupOk
        ? "You are the backup facilitator for this series: please open the room if you can."
        : "This series has no backup facilitator available, so every coordinator is being told: please find someone to open the room, or cancel the session so people are not left waiting.";
      for (const r of recipients) {
        await enqueueMail(tx, {
          dedupeKey: `room-alert:${occ.id}:${r.id}`,
          to: r.email,
          subject: `Room not opened: ${occ.title}`.slice(0, 200),
          text: [
            `"${occ.title}" was due to start ${when.day.startsWith("To") ? when.day.toLowerCase() : when.day} at ${when.time}, and the room has not been opened yet.`,
            "",
            why,
            "",
            `Session: ${link}`,
            "",
            "Offshift",
          ].join("\n"),
          notBefore: now,
          expiresAt: new Date(occ.endsAt),
        });
      }
    }
    return claimed.map((c) => c.id);
  });
}
