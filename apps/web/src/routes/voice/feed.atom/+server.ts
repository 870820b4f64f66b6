import { statementsAtom } from "@offshift/core";
import { listVoiceStatements } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async () => {
  const statements = await listVoiceStatements(getDb(), { take: 50 });
  return new Response(statementsAtom({ origin: env().ORIGIN, statements }), {
    headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" },
  });
};
