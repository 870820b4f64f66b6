import { fail } from "@sveltejs/kit";
import { applicationDecisionInput, fieldErrors, personChannel } from "@offshift/core";
import { decideApplication, listVolunteers, seriesAttendanceSince } from "@offshift/db";
import { sendSignInLink } from "$lib/server/auth.js";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { disconnectIdentity, publishRoomCancelled, publishScheduleChanged } from "$lib/server/events.js";
import { requireCan } from "$lib/server/guard.js";
import { sendMail } from "$lib/server/mail.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "application.review");
  const db = getDb();
  const people = await listVolunteers(db);
  // Attendance as aggregates only: never who, only how many.
  const since = new Date(Date.now() - 7 * 86_400_000);
  const attendance = await seriesAttendanceSince(db, since);
  return {
    people: people.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })),
    attendance,
  };
};

const refusal = {
  not_found: "That person could not be found.",
  not_allowed_in_this_state:
    "That decision no longer applies: someone may have decided already. The list is up to date now.",
  own_account: "You can't make decisions about your own account.",
} as const;

export const actions: Actions = {
  decide: async ({ request, locals }) => {
    const coordinator = requireCan(locals, "application.review")!;
    const form = Object.fromEntries(await request.formData());
    const parsed = applicationDecisionInput.safeParse(form);
    if (!parsed.success) return fail(400, { error: Object.values(fieldErrors(parsed.error))[0] });
    const result = await decideApplication(getDb(), {
      actorPersonId: coordinator.id,
      ...parsed.data,
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
      origin: env().ORIGIN,
    });
    if (!result.ok) return fail(409, { error: refusal[result.reason], personId: parsed.data.personId });

    const { person } = result;
    if (parsed.data.decision === "suspend" || parsed.data.decision === "reject")
      disconnectIdentity(personChannel(person.id));
    for (const h of result.handover.handovers)
      publishScheduleChanged({
        occurrenceId: h.occurrenceId,
        change: h.outcome,
      });
    for (const id of result.handover.roomsEnded) publishRoomCancelled(id);
    if (person.email) {
      if (parsed.data.decision === "approve" || parsed.data.decision === "reinstate") {
        await sendSignInLink(person.email, request.headers, "approved");
      } else {
        await sendMail({
          to: person.email,
          subject:
            parsed.data.decision === "reject"
              ? "Your Offshift volunteer application"
              : "Your Offshift account is paused",
          text:
            parsed.data.decision === "reject"
              ? "Thank you for applying to volunteer with Offshift. We're not able to take your application forward at the moment."
              : "Your Offshift volunteer account has been paused by a coordinator, and you have been signed out. A coordinator will be in touch.",
        });
      }
    }
    return { decided: parsed.data.decision, personId: person.id };
  },
};
