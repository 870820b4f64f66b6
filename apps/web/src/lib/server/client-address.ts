import type { IncomingMessage } from "node:http";
import type { RequestEvent } from "@sveltejs/kit";
import { clientAddress } from "@offshift/core";
import { env } from "./env.js";

/**
 * The client's address for per-address limits (sign-in mail, new guests).
 * The TCP peer, or with TRUSTED_PROXY set, what the trusted proxies say in
 * X-Forwarded-For; without it every client behind a proxy would share the
 * proxy's address, and one limit. Never used to decide "this machine"
 * (see loopback.ts): that is judged by the connection alone.
 */
export function clientAddressOf(event: Pick<RequestEvent, "platform" | "getClientAddress" | "request">): string {
  // The built app (adapter-node) hands over the Node request; in `vite dev` there is none.
  const req = (event.platform as { req?: IncomingMessage } | undefined)?.req;
  return clientAddress({
    peer: req ? req.socket.remoteAddress : event.getClientAddress(),
    forwardedFor: event.request.headers.get("x-forwarded-for"),
    trust: env().TRUSTED_PROXY,
  });
}
