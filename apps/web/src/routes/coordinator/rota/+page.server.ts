import { env } from "$lib/server/env.js";
import { requireCan } from "$lib/server/guard.js";
import { loadRotaWeek } from "$lib/server/rota-week.js";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals, url }) => {
  requireCan(locals, "rota.manage");
  return { week: await loadRotaWeek(url, { showNames: true }), timeZone: env().ORG_TIMEZONE };
};
