import { json } from "@sveltejs/kit";
import { pushSubscriptionInput, pushUnsubscribeInput } from "@offshift/core";
import { removePushSubscription, savePushSubscription } from "@offshift/db";
import { now as clockNow } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import type { RequestHandler } from "./$types";

const BODY_LIMIT = 4096;

/** The JSON body, or null when it is missing, too big or not JSON. */
async function body(request: Request): Promise<unknown> {
  const text = await request.text().catch(() => "");
  if (text.length === 0 || text.length > BODY_LIMIT) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const invalid = (message: string) => json({ ok: false, code: "invalid", message }, { status: 400 });

/** Turn notifications on for this device, or change what it is told and how. */
export const POST: RequestHandler = async ({ request, locals, setHeaders }) => {
  setHeaders({ "cache-control": "no-store" });
  const parsed = pushSubscriptionInput.safeParse(await body(request));
  if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? "That was not a push subscription.");
  // The device's own cookie goes with it, so "Count me in" on this device can be told about that drop-in.
  const r = await savePushSubscription(getDb(), {
    actor: locals.actor,
    subscription: parsed.data,
    now: clockNow(),
    browserKey: locals.browserKey,
  });
  if (!r.ok) return json(r, { status: 403 });
  return json(r);
};

/** Turn notifications off on this device: the row goes. */
export const DELETE: RequestHandler = async ({ request, setHeaders }) => {
  setHeaders({ "cache-control": "no-store" });
  const parsed = pushUnsubscribeInput.safeParse(await body(request));
  if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? "That was not a push address.");
  // Knowing the endpoint is the right to remove it: only that browser (and its push service) has it.
  await removePushSubscription(getDb(), parsed.data.endpoint);
  return json({ ok: true });
};
