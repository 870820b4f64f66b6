import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { monthLabel } from "@offshift/core";
import {
  addVoiceTheme,
  archiveVoiceWord,
  listVoiceStatements,
  listVoiceThemes,
  listVoiceWords,
  publishVoiceStatement,
  setVoiceThemeActive,
  withdrawVoiceStatement,
} from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import { voiceStatus, voiceThresholds } from "$lib/server/voice.js";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  requireCan(locals, "voice.manage");
  const tz = env().ORG_TIMEZONE;
  const [themes, words, statements] = await Promise.all([
    listVoiceThemes(getDb()),
    listVoiceWords(getDb(), { actor: locals.actor }),
    listVoiceStatements(getDb(), { includeWithdrawn: true }),
  ]);
  return {
    thresholds: voiceThresholds(),
    themes,
    words: words.ok ? words.words.map((w) => ({ ...w, month: monthLabel(w.month) })) : [],
    statements: statements.map((s) => ({
      id: s.id,
      text: s.text,
      month: monthLabel(s.month),
      published: s.publishedAt.toLocaleDateString("en-GB", {
        timeZone: tz,
        day: "numeric",
        month: "long",
        year: "numeric",
      }),
      withdrawn: s.withdrawnAt !== null,
    })),
  };
};

const id = z.uuid();
const field = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
};

export const actions: Actions = {
  addTheme: async ({ request, locals }) => {
    requireCan(locals, "voice.manage");
    const label = field(await request.formData(), "label");
    const r = await addVoiceTheme(getDb(), { actor: locals.actor, label });
    if (!r.ok) return fail(voiceStatus(r), { form: "theme", error: r.message, label });
    return { form: "theme", done: `"${r.theme.label}" added.` };
  },
  setTheme: async ({ request, locals }) => {
    requireCan(locals, "voice.manage");
    const form = await request.formData();
    const themeId = id.safeParse(form.get("themeId"));
    if (!themeId.success) return fail(404, { form: "theme", error: "That theme is not on the list." });
    const r = await setVoiceThemeActive(getDb(), {
      actor: locals.actor,
      themeId: themeId.data,
      active: form.get("active") === "true",
    });
    if (!r.ok) return fail(voiceStatus(r), { form: "theme", error: r.message });
    return { form: "theme", done: form.get("active") === "true" ? "Theme brought back." : "Theme retired." };
  },
  publish: async ({ request, locals }) => {
    requireCan(locals, "voice.manage");
    const form = await request.formData();
    const wordId = id.safeParse(form.get("wordId"));
    if (!wordId.success) return fail(404, { form: "word", error: "That word could not be found." });
    const text = field(form, "text");
    const r = await publishVoiceStatement(getDb(), { actor: locals.actor, wordId: wordId.data, text, now: clockNow() });
    if (!r.ok) return fail(voiceStatus(r), { form: "word", wordId: wordId.data, error: r.message, text });
    return { form: "word", done: "Published on the Voice page and in its feed." };
  },
  setAside: async ({ request, locals }) => {
    requireCan(locals, "voice.manage");
    const wordId = id.safeParse((await request.formData()).get("wordId"));
    if (!wordId.success) return fail(404, { form: "word", error: "That word could not be found." });
    const r = await archiveVoiceWord(getDb(), { actor: locals.actor, wordId: wordId.data });
    if (!r.ok) return fail(voiceStatus(r), { form: "word", error: r.message });
    return { form: "word", done: "Set aside." };
  },
  withdraw: async ({ request, locals }) => {
    requireCan(locals, "voice.manage");
    const statementId = id.safeParse((await request.formData()).get("statementId"));
    if (!statementId.success) return fail(404, { form: "statement", error: "That statement is not published." });
    const r = await withdrawVoiceStatement(getDb(), {
      actor: locals.actor,
      statementId: statementId.data,
      now: clockNow(),
    });
    if (!r.ok) return fail(voiceStatus(r), { form: "statement", error: r.message });
    return { form: "statement", done: "Withdrawn: it is no longer on the Voice page or in its feed." };
  },
};
