import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { ENGLISH_REGIONS, dayInSentence, nightLabel } from "@offshift/core";
import { listVoiceThemes, recordSessionThemes, sessionsToTick, type VoiceSessionRef } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import { voiceStatus } from "$lib/server/voice.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "volunteer.home");
  const now = clockNow();
  const tz = env().ORG_TIMEZONE;
  const [sessions, themes] = await Promise.all([
    sessionsToTick(getDb(), { actor: locals.actor, now }),
    listVoiceThemes(getDb()),
  ]);
  const when = (at: Date) => {
    const l = nightLabel(at, now, tz);
    return `${dayInSentence(l.day)} at ${l.time}`;
  };
  return {
    themes: themes.filter((t) => t.active),
    regions: ENGLISH_REGIONS.map((r) => ({ code: r.code, name: r.name })),
    sessions: sessions.map((s) => ({
      // A form field's value ("dropin:<id>" or "call:<id>"), parsed back by sessionField: not a channel name.
      key: [s.ref.kind, s.ref.kind === "dropin" ? s.ref.occurrenceId : s.ref.callId].join(":"),
      title: s.title,
      closes: when(s.closesAt),
      ticked: s.ticked,
      region: s.region ?? "",
      done: s.ticked.length > 0 || s.region !== null,
    })),
  };
};

const sessionField = z.string().regex(/^(dropin|call):[0-9a-f-]{36}$/, "That session could not be found.");

export const actions: Actions = {
  tick: async ({ request, locals }) => {
    requireCan(locals, "volunteer.home");
    const form = await request.formData();
    const parsed = sessionField.safeParse(form.get("session"));
    if (!parsed.success) return fail(400, { session: null, error: "That session could not be found." });
    const [kind, id] = parsed.data.split(":") as ["dropin" | "call", string];
    const session: VoiceSessionRef = kind === "dropin" ? { kind, occurrenceId: id } : { kind, callId: id };
    const result = await recordSessionThemes(getDb(), {
      actor: locals.actor,
      session,
      themeIds: form.getAll("theme"),
      region: form.get("region") ?? "",
      now: clockNow(),
      timeZone: env().ORG_TIMEZONE,
    });
    if (!result.ok) return fail(voiceStatus(result), { session: parsed.data, error: result.message });
    return { session: parsed.data, saved: result.ticked };
  },
};
