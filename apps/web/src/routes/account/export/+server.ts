import { error, json, redirect } from "@sveltejs/kit";
import { exportPersonData } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { requireCan } from "$lib/server/guard.js";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals }) => {
  if (!locals.person) redirect(303, "/signin");
  requireCan(locals, "account.manageOwn", { ownerPersonId: locals.person.id });
  const data = await exportPersonData(getDb(), locals.person.id, now());
  if (!data) error(404, "No data found");
  return json(data, {
    headers: { "content-disposition": 'attachment; filename="offshift-my-data.json"', "cache-control": "no-store" },
  });
};
