import { SignJWT, jwtVerify, errors } from "jose";
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

export async function verifyTicket(
  secret: string,
  token: unknown,
  now = new Date(),
): Promise<{ ok: true; ticket: VerifiedTicket } | { ok: false; reason: TicketFailure }> {
  if (typeof token !== "string" || token.length === 0) return { ok: false, reason: "missing" };
  if (token.length > 2048) return { ok: false, reason: "malformed" };
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      currentDate: now,
      maxTokenAge: TICKET_TTL_SECONDS,
      clockTolerance: TICKET_CLOCK_SKEW_SECONDS,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired" };
    if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: "wrong_audience" };
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "bad_signature" };
    return { ok: false, reason: "malformed" };
  }
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
