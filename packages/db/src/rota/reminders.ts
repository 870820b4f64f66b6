import { nightLabel } from "@offshift/core";
import { client, type Db } from "../client.js";
import { enqueueReminderMail } from "../mail/outbox.js";
import { quietNow } from "./quiet.js";

/**
 * Reminders before rota slots: an email 24 hours and 1 hour before each slot
 * a volunteer is on. A job (realtime, every 15 s on every node) calls
 * enqueueRotaSlotReminders; the outbox's dedupe key makes each reminder a
 * database fact, so two nodes at once still queue one mail each. Nothing is
 * queued for a volunteer inside their quiet hours (after a late or night
 * shift, rota/quiet.ts): it is queued on the first run after they end, if
 * the slot has not started by then.
 */

interface DueSlotReminder {
  slotId: string;
  personId: string;
  email: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
}

const trimOrigin = (origin: string) => origin.replace(/\/+$/, "");
const clock = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);

/** The reminder mail: which slot, when, where to see or drop it. No names. */
export function rotaSlotReminderMail(
  r: Pick<DueSlotReminder, "name" | "startsAt" | "endsAt">,
  lead: "24h" | "1h",
  now: Date,
  options: { timeZone: string; origin: string },
): { subject: string; text: string } {
  const when = nightLabel(r.startsAt, now, options.timeZone);
  const day = when.day.startsWith("To") ? when.day.toLowerCase() : when.day;
  return {
    subject: `${lead === "1h" ? "In an hour" : "Reminder"}: ${r.name}, ${when.day} at ${when.time}`.slice(0, 200),
    text: [
      `You're on the rota for "${r.name}" ${day}, ${when.time} to ${clock(r.endsAt, options.timeZone)}.`,
      "",
      `Your slots, and how to swap or drop one: ${trimOrigin(options.origin)}/rota`,
      "",
      "Thank you for being there for other care workers.",
      "",
      "Offshift",
    ].join("\n"),
  };
}

/**
 * Queues the reminders due now: the 24-hour one for slots starting in
 * (now + 1 h, now + 24 h], the 1-hour one for slots starting in (now, now + 1 h]
 * (someone added within the hour gets only that one). Only approved,
 * not-erased volunteers with an email, outside their quiet hours. Each mail's dedupe key is
 * `slot-reminder:<slotId>:<personId>:24h|1h` and it expires when the slot
 * starts. Returns how many were newly queued.
 */
export async function enqueueRotaSlotReminders(
  handle: Db,
  now: Date,
  options: { timeZone: string; origin: string },
): Promise<number> {
  const db = client(handle);
  const at = now.toISOString();
  const due = await db.$queryRaw<DueSlotReminder[]>`
    SELECT s."id" AS "slotId", p."id" AS "personId", p."email", t."name", s."startsAt", s."endsAt"
    FROM "RotaAssignment" a
    JOIN "RotaSlot" s ON s."id" = a."slotId"
    JOIN "RotaTemplate" t ON t."id" = s."templateId"
    JOIN "Person" p ON p."id" = a."personId"
    WHERE s."startsAt" > ${at}::timestamptz
      AND s."startsAt" <= ${at}::timestamptz + interval '24 hours'
      AND p."status" = 'APPROVED'
      AND p."erasedAt" IS NULL
      AND p."email" IS NOT NULL
    ORDER BY s."startsAt", p."id"`;

  const quiet = await quietNow(
    db,
    due.map((r) => r.personId),
    now,
    options.timeZone,
  );
  let queued = 0;
  for (const r of due) {
    if (quiet.has(r.personId)) continue;
    const untilStart = r.startsAt.getTime() - now.getTime();
    const lead = untilStart <= 60 * 60_000 ? "1h" : "24h";
    const mail = rotaSlotReminderMail(r, lead, now, options);
    const isNew = await enqueueReminderMail(db, {
      dedupeKey: `slot-reminder:${r.slotId}:${r.personId}:${lead}`,
      to: r.email,
      mail,
      now,
      startsAt: r.startsAt,
    });
    if (isNew) queued++;
  }
  return queued;
}
