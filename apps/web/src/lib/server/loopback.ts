import type { IncomingMessage } from "node:http";
import { isIPv4, isIPv6 } from "node:net";
import type { RequestEvent } from "@sveltejs/kit";
import { clientAddressOf } from "./client-address.js";

/** This machine's own addresses: 127.0.0.0/8, ::1, and 127.x written as an IPv4-mapped IPv6 address. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith("127.");
  return isIPv6(address) && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(address.toLowerCase());
}

/**
 * Whether the request's TCP connection comes from this machine. The built app
 * (adapter-node) hands over the Node request, whose socket cannot be forged;
 * a header (X-Forwarded-For and friends) can be written by anyone, so it can
 * never make a request count as local. With TRUSTED_PROXY set, a request a
 * proxy on this machine passed on for someone else is not local either: the
 * client the proxy names must be this machine too. In `vite dev` there is no
 * request object, and the client address is the socket's there.
 */
export function fromThisMachine(event: Pick<RequestEvent, "platform" | "getClientAddress" | "request">): boolean {
  const req = (event.platform as { req?: IncomingMessage } | undefined)?.req;
  return (
    isLoopbackAddress(req ? req.socket.remoteAddress : event.getClientAddress()) &&
    isLoopbackAddress(clientAddressOf(event))
  );
}
