import type { Prisma } from "./generated/prisma/client.js";
import type { ClientOrTx } from "./client.js";

/**
 * One line of the audit log: what was done (`action`, e.g. "occurrence.cancel"),
 * when, by whom (null: the system or a guest), to what (`details`, ids only:
 * the log never holds what someone said), and whose record it concerns.
 * Written inside the use case's own transaction, so it happens with the change or not at all.
 */
export async function audit(
  db: ClientOrTx,
  entry: {
    at: Date;
    action: string;
    by: string | null | undefined;
    details?: Prisma.InputJsonValue;
    subject?: string | null;
  },
): Promise<void> {
  await db.auditEvent.create({
    data: {
      at: entry.at,
      action: entry.action,
      actorPersonId: entry.by ?? null,
      ...(entry.details !== undefined ? { details: entry.details } : {}),
      ...(entry.subject !== undefined ? { subjectPersonId: entry.subject } : {}),
    },
  });
}
