import { json } from "@sveltejs/kit";
import { databaseAnswers } from "@offshift/db";
import { getDb } from "$lib/server/db.js";

/**
 * Readiness: web can serve pages only while its database answers. A load
 * balancer takes a not-ready instance out of rotation; the launcher and
 * monitoring read it too. (Liveness is /healthz.)
 */
export async function GET() {
  const db = await databaseAnswers(getDb());
  return db.ok
    ? json({ status: "ready", service: "web", database: "up" })
    : json({ status: "not_ready", service: "web", database: "down" }, { status: 503, headers: { "retry-after": "5" } });
}
