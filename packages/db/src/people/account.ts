import type { Db } from "../client.js";

/** Everything Offshift holds about a person, for download. */
export async function exportPersonData(db: Db, personId: string) {
  const person = await db.person.findUnique({
    where: { id: personId },
    select: {
      id: true,
      displayName: true,
      email: true,
      roles: true,
      status: true,
      languages: true,
      experience: true,
      codeOfConductAcceptedAt: true,
      createdAt: true,
      volunteerRota: { select: { shifts: true, pattern: true, preferences: true } },
      rotaAssignments: {
        select: { slot: { select: { startsAt: true, endsAt: true, template: { select: { name: true } } } } },
      },
      facilitatedSeries: { select: { title: true } },
      reminderRequests: {
        select: {
          series: { select: { title: true } },
          occurrence: { select: { startsAt: true } },
          leadMinutes: true,
          createdAt: true,
        },
      },
      sessions: { select: { createdAt: true, expiresAt: true } },
    },
  });
  if (!person) return null;
  return { exportedAt: new Date().toISOString(), person };
}

/**
 * Erasure: personal data is removed, anonymous aggregates stay. The row is
 * kept as an anonymous shell only so that sessions they ran still count in
 * totals; it can never sign in again.
 */
export async function erasePerson(db: Db, personId: string, now = new Date()): Promise<boolean> {
  return db.$transaction(async (tx) => {
    // Read before the address is cleared: undelivered mail to it goes too.
    const before = await tx.person.findUnique({ where: { id: personId }, select: { email: true } });
    const updated = await tx.person.updateMany({
      where: { id: personId, erasedAt: null },
      data: {
        displayName: "Former volunteer",
        email: null,
        image: null,
        languages: [],
        experience: [],
        status: "SUSPENDED",
        erasedAt: now,
      },
    });
    if (updated.count === 0) return false;
    await tx.session.deleteMany({ where: { userId: personId } });
    await tx.account.deleteMany({ where: { userId: personId } });
    await tx.volunteerRota.deleteMany({ where: { personId } });
    await tx.rotaSwapOffer.updateMany({
      where: { fromId: personId, status: "OPEN" },
      data: { status: "WITHDRAWN", decidedAt: now },
    });
    await tx.rotaAssignment.deleteMany({ where: { personId, slot: { startsAt: { gt: now } } } });
    await tx.reminderRequest.deleteMany({ where: { personId } });
    if (before?.email) {
      await tx.outboxMail.deleteMany({
        where: { to: { equals: before.email, mode: "insensitive" }, sentAt: null, droppedAt: null },
      });
    }
    await tx.auditEvent.create({ data: { action: "account.erased", subjectPersonId: personId } });
    return true;
  });
}

export async function endAllSessions(db: Db, personId: string): Promise<number> {
  return (await db.session.deleteMany({ where: { userId: personId } })).count;
}
