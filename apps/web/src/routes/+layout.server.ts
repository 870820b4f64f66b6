import { firstName } from "@offshift/core";
import { env } from "$lib/server/env.js";
import type { LayoutServerLoad } from "./$types";

export const load: LayoutServerLoad = ({ locals }) => {
  const e = env();
  // Without PUBLIC_REALTIME_URL the browser uses the page's own host on REALTIME_PORT.
  return {
    realtime: { url: e.PUBLIC_REALTIME_URL ?? null, port: e.REALTIME_PORT },
    /** Web Push's application server key (VAPID), when pushes are set up. */
    pushKey: e.VAPID_PUBLIC_KEY ?? null,
    // First name only in the header; guests by nickname.
    viewer: {
      person: locals.person ? firstName(locals.person.displayName) : null,
      guest: locals.guest?.nickname ?? null,
    },
  };
};
