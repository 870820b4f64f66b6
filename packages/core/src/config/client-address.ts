import { z } from "zod";

/**
 * Which proxies in front of the app may say who the client is (TRUSTED_PROXY).
 * "none": the TCP peer is the client and X-Forwarded-For is ignored (anyone can
 * write it). "hops": that many proxies always stand in front, so the address
 * that many places from the right of X-Forwarded-For is the client. "addresses":
 * X-Forwarded-For is followed from the right only while the hop that wrote it
 * is one of these proxies.
 */
export type TrustedProxy =
  { kind: "none" } | { kind: "hops"; hops: number } | { kind: "addresses"; addresses: readonly string[] };

export const MAX_PROXY_HOPS = 10;

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();

/** An IP address in one spelling: IPv4-mapped IPv6 (::ffff:1.2.3.4) as IPv4, IPv6 in lower case. */
export function normaliseAddress(address: string): string | null {
  let a = address.trim();
  // Some proxies append a port: "203.0.113.7:51234", "[2001:db8::1]:443".
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  a = a.toLowerCase();
  if (a.startsWith("::ffff:") && ipv4.safeParse(a.slice(7)).success) return a.slice(7);
  if (ipv4.safeParse(a).success || ipv6.safeParse(a).success) return a;
  return null;
}

export const TRUSTED_PROXY_HELP =
  "TRUSTED_PROXY must be off, the number of proxies in front of the app (1 to 10), or a comma-separated list of the proxies' IP addresses (e.g. 127.0.0.1,::1)";

/** Reads TRUSTED_PROXY: unset or "off" is none; "1".."10" hops; otherwise a list of IP addresses. */
export function parseTrustedProxy(value: string | undefined): { ok: true; trust: TrustedProxy } | { ok: false } {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "off" || v === "false" || v === "0") return { ok: true, trust: { kind: "none" } };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops >= 1 && hops <= MAX_PROXY_HOPS ? { ok: true, trust: { kind: "hops", hops } } : { ok: false };
  }
  const addresses = v.split(",").map((a) => (a.trim() === "" ? null : normaliseAddress(a)));
  if (addresses.some((a) => a === null)) return { ok: false };
  return { ok: true, trust: { kind: "addresses", addresses: [...new Set(addresses as string[])] } };
}

export const trustedProxyVar = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const parsed = parseTrustedProxy(value);
    if (parsed.ok) return parsed.trust;
    ctx.addIssue({ code: "custom", message: TRUSTED_PROXY_HELP });
    return z.NEVER;
  });

/**
 * The client's address for per-address limits: the TCP peer, unless trusted
 * proxies stand in front, in which case X-Forwarded-For is read from the right
 * (the end the proxies append to; anything further left may be the client's
 * own invention) for as far as the trust goes. A hop that is not an IP address
 * stops the walk at the last address that was trusted.
 */
export function clientAddress(input: {
  peer: string | undefined;
  forwardedFor: string | readonly string[] | null | undefined;
  trust: TrustedProxy;
}): string {
  const peer = input.peer ? (normaliseAddress(input.peer) ?? input.peer) : "unknown";
  if (input.trust.kind === "none" || !input.forwardedFor) return peer;
  const header = typeof input.forwardedFor === "string" ? input.forwardedFor : input.forwardedFor.join(",");
  const hops = header.split(",").reverse();
  let address = peer;
  if (input.trust.kind === "hops") {
    for (let i = 0; i < input.trust.hops && i < hops.length; i++) {
      const next = normaliseAddress(hops[i]!);
      if (!next) break;
      address = next;
    }
    return address;
  }
  const trusted = new Set(input.trust.addresses);
  for (const hop of hops) {
    if (!trusted.has(address)) break;
    const next = normaliseAddress(hop);
    if (!next) break;
    address = next;
  }
  return address;
}
