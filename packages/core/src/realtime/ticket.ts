import { createHmac, timingSafeEqual } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import type { Actor } from "../access/can.js";
import { identityRoomFor, parseIdentity, visitorChannel } from "./channels.js";

/**
 * The socket handshake ticket: web signs a 60-second ticket for the current
 * person, guest or visitor; realtime verifies it on connect (and marks its
 * jti used, so a ticket works once).
 */
export const TICKET_TTL_SECONDS = 60;
/**
 * Web and realtime may run on machines whose clocks differ a little: a ticket is
 * accepted up to this many seconds past its expiry, and when it appears to be
 * issued up to this many seconds in the future. Larger skew means a broken
 * clock (NTP off), which should fail loudly rather than widen a replay window.
 */
export const TICKET_CLOCK_SKEW_SECONDS = 30;
const ISSUER = "offshift-web";
const AUDIENCE = "offshift-realtime";

const claimsSchema = z.object({
  sub: z.string().regex(/^(person|guest|visitor):[A-Za-z0-9_-]{1,64}$/),
  jti: z.string().min(16).max(64),
  exp: z.number(),
  roles: z.array(z.enum(["WORKER", "VOLUNTEER", "FACILITATOR", "COORDINATOR"])).optional(),
  status: z.enum(["APPLIED", "APPROVED", "SUSPENDED"]).optional(),
});

export interface VerifiedTicket {
  actor: Actor;
  /** Room that reaches every socket of this person or guest (for disconnects). */
  identityRoom: string;
  jti: string;
  expiresAt: Date;
}

export type TicketFailure = "missing" | "malformed" | "bad_signature" | "expired" | "wrong_audience";

/**
 * The secret as an HMAC key, imported once per secret: jose imports a raw
 * secret again on every call, a second WebCrypto job on every handshake.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<HmacKey>>();
function key(secret: string): Promise<HmacKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    k.catch(() => keys.delete(secret));
    // A process uses one or two secrets; a test may make many: never hold more than a few.
    if (keys.size >= 8) keys.delete(keys.keys().next().value!);
    keys.set(secret, k);
  }
  return k;
}

function subjectOf(actor: Actor, visitorKey: string): string {
  return identityRoomFor(actor) ?? visitorChannel(visitorKey);
}

export async function issueTicket(secret: string, actor: Actor, visitorKey: string, now = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  const jwt = new SignJWT(actor.kind === "person" ? { roles: [...actor.roles], status: actor.status } : {})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subjectOf(actor, visitorKey))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TICKET_TTL_SECONDS)
    .setJti(crypto.randomUUID());
  return jwt.sign(await key(secret));
}

/**
 * Verifies a ticket as jose's `jwtVerify` would with these options (HS256 only,
 * issuer, audience, 60 s maximum age, 30 s clock skew), and gives the same
 * answers (a property test holds it to jose), but synchronously with one
 * node:crypto HMAC: jose goes through a WebCrypto job per call, which was the
 * largest single cost of a socket's handshake under load (issue 15).
 */
export async function verifyTicket(
  secret: string,
  token: unknown,
  now = new Date(),
): Promise<{ ok: true; ticket: VerifiedTicket } | { ok: false; reason: TicketFailure }> {
  if (typeof token !== "string" || token.length === 0) return { ok: false, reason: "missing" };
  if (token.length > 2048) return { ok: false, reason: "malformed" };
  const checked = checkSignedClaims(secret, token, Math.floor(now.getTime() / 1000));
  if (!checked.ok) return checked;
  const payload = checked.payload;
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: "malformed" };
  // The schema's pattern admits only identity channels, so this always parses.
  const { kind, id } = parseIdentity(claims.data.sub)!;
  const actor: Actor =
    kind === "person"
      ? { kind: "person", personId: id, roles: claims.data.roles ?? [], status: claims.data.status ?? "APPLIED" }
      : kind === "guest"
        ? { kind: "guest", guestId: id }
        : { kind: "visitor" };
  return {
    ok: true,
    ticket: { actor, identityRoom: claims.data.sub, jti: claims.data.jti, expiresAt: new Date(claims.data.exp * 1000) },
  };
}

const json = (part: string): unknown => {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
};
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** The compact JWS's structure, HS256 signature and registered claims, checked in jose's order with jose's outcome. */
function checkSignedClaims(
  secret: string,
  token: string,
  now: number,
): { ok: true; payload: Record<string, unknown> } | { ok: false; reason: TicketFailure } {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [h, p, sig] = parts as [string, string, string];
  const header = json(h);
  // Only the header web writes: HS256, nothing critical, nothing that changes how the payload is read.
  if (!isObject(header) || header.alg !== "HS256" || "crit" in header || "b64" in header)
    return { ok: false, reason: "malformed" };
  const expected = Buffer.from(createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url"));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "bad_signature" };
  const claims = json(p);
  if (!isObject(claims)) return { ok: false, reason: "malformed" };
  const claimFailed = { ok: false, reason: "wrong_audience" } as const;
  const expired = { ok: false, reason: "expired" } as const;
  for (const claim of ["iss", "aud", "iat"]) if (!Object.hasOwn(claims, claim)) return claimFailed;
  if (claims.iss !== ISSUER) return claimFailed;
  const aud = claims.aud;
  if (!(aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE)))) return claimFailed;
  const tolerance = TICKET_CLOCK_SKEW_SECONDS;
  const { iat, nbf, exp } = claims;
  if (typeof iat !== "number") return claimFailed;
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + tolerance)) return claimFailed;
  if (exp !== undefined && typeof exp !== "number") return claimFailed;
  if (exp !== undefined && exp <= now - tolerance) return expired;
  const age = now - iat;
  if (age - tolerance > TICKET_TTL_SECONDS) return expired;
  if (age < -tolerance) return claimFailed;
  return { ok: true, payload: claims };
}
