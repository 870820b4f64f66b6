import { methodInPlainWords, monthLabel } from "@offshift/core";
import { listVoiceStatements } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { publishedVoice } from "$lib/server/voice.js";
import { voiceReportPdf } from "$lib/server/voice-pdf.js";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async () => {
  const [{ quarters, thresholds }, statements] = await Promise.all([publishedVoice(), listVoiceStatements(getDb())]);
  const pdf = await voiceReportPdf({
    quarters,
    thresholds,
    method: methodInPlainWords(thresholds),
    statements: statements.map((s) => ({ text: s.text, month: monthLabel(s.month) })),
    generatedOn: clockNow().toLocaleDateString("en-GB", {
      timeZone: env().ORG_TIMEZONE,
      day: "numeric",
      month: "long",
      year: "numeric",
    }),
  });
  return new Response(new Uint8Array(pdf), {
    headers: {
      "content-type": "application/pdf",
      "content-disposition": 'attachment; filename="offshift-voice-report.pdf"',
      "cache-control": "public, max-age=300",
    },
  });
};
