import { json } from "@sveltejs/kit";

/** Liveness: the web process is up and serving. */
export function GET() {
  return json({ status: "ok", service: "web" });
}
