import { error } from "@sveltejs/kit";
import { listDevMail } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { fromThisMachine } from "$lib/server/loopback.js";
import type { PageServerLoad } from "./$types";

/**
 * Development only, when no SMTP_URL is set: the mail Offshift would have sent.
 * It holds sign-in links, so it is shown only to a browser on this machine.
 */
export const load: PageServerLoad = async (event) => {
  if (env().NODE_ENV === "production" || env().SMTP_URL || !fromThisMachine(event)) error(404, "Not found");
  const mail = await listDevMail(getDb());
  return { mail: mail.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })) };
};
