import { json } from "@sveltejs/kit";
import { pushUnsubscribeInput } from "@offshift/core";
import { pushSubscriptionStatus } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import type { RequestHandler } from "./$types";

/** What this device chose (POST: the endpoint is not put in a URL, where logs could keep it). */
export const POST: RequestHandler = async ({ request, setHeaders }) => {
  setHeaders({ "cache-control": "no-store" });
  const parsed = pushUnsubscribeInput.safeParse(await request.json().catch(() => null));
  if (!parsed.success)
    return json({ ok: false, code: "invalid", message: "That was not a push address." }, { status: 400 });
  return json({ ok: true, status: await pushSubscriptionStatus(getDb(), parsed.data.endpoint) });
};
