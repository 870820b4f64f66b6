import { fail } from "@sveltejs/kit";
import { leaveVoiceWord } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { voiceStatus } from "$lib/server/voice.js";
import type { Actions } from "./$types";

export const actions: Actions = {
  // The end-of-session prompt posts here (with or without JavaScript). Nothing about who sent
  // it is passed on: leaveVoiceWord checks the actor and stores the text and the month only.
  default: async ({ request, locals }) => {
    const text = (await request.formData()).get("text");
    const result = await leaveVoiceWord(getDb(), {
      actor: locals.actor,
      text: typeof text === "string" ? text : "",
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
    });
    if (!result.ok)
      return fail(voiceStatus(result), { error: result.message, text: typeof text === "string" ? text : "" });
    return { sent: true };
  },
};
