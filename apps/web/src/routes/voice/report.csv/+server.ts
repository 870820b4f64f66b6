import { reportCsv } from "@offshift/core";
import { publishedVoice } from "$lib/server/voice.js";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async () => {
  const { quarters, thresholds } = await publishedVoice();
  return new Response(reportCsv(quarters, thresholds), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="offshift-voice.csv"',
      "cache-control": "public, max-age=300",
    },
  });
};
