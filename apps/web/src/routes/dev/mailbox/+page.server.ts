import { error } from "@sveltejs/kit";
import { listDevMail } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import type { PageServerLoad } from "./$types";

/** Development only, when no SMTP_URL is set: the mail Offshift would have sent. */
export const load: PageServerLoad = async () => {
  if (env().NODE_ENV === "production" || env().SMTP_URL) error(404, "Not found");
  const mail = await listDevMail(getDb());
  return { mail: mail.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })) };
};
