import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SignJWT, errors, jwtVerify } from "jose";
import { TICKET_CLOCK_SKEW_SECONDS, TICKET_TTL_SECONDS, issueTicket, verifyTicket } from "./ticket.js";

const SECRET = "a-test-secret-that-is-at-least-32-characters";
const volunteer = {
  kind: "person" as const,
  personId: "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90",
  roles: ["VOLUNTEER" as const],
  status: "APPROVED" as const,
};

describe("socket tickets", () => {
  it("round-trips a person's identity", async () => {
    const t = await issueTicket(SECRET, volunteer, "vk");
    const r = await verifyTicket(SECRET, t);
    expect(r).toMatchObject({ ok: true, ticket: { actor: volunteer, identityRoom: `person:${volunteer.personId}` } });
  });

  it("rejects a tampered ticket", async () => {
    const t = await issueTicket(SECRET, { kind: "guest", guestId: "5d2c1b0e-2d9b-4d7e-9f0a-6b1e3c5d7a91" }, "vk");
    const [h, p, s] = t.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.sub = `person:${volunteer.personId}`;
    claims.roles = ["COORDINATOR"];
    const forged = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".");
    expect(await verifyTicket(SECRET, forged)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyTicket("another-secret-that-is-32-characters-long", t)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("rejects an expired ticket (60 s, plus the stated clock skew of 30 s)", async () => {
    expect(TICKET_CLOCK_SKEW_SECONDS).toBe(30);
    const issued = new Date("2026-11-22T22:00:00Z");
    const t = await issueTicket(SECRET, volunteer, "vk", issued);
    expect((await verifyTicket(SECRET, t, new Date(issued.getTime() + 59_000))).ok).toBe(true);
    // Realtime's clock 29 s ahead of web's: still the same 60-second ticket.
    expect((await verifyTicket(SECRET, t, new Date(issued.getTime() + 89_000))).ok).toBe(true);
    expect(await verifyTicket(SECRET, t, new Date(issued.getTime() + 91_000))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("accepts a ticket from a web server whose clock runs up to 30 s ahead, and no more", async () => {
    const realtimeNow = new Date("2026-11-22T22:00:00Z");
    const aheadBy = (s: number) => issueTicket(SECRET, volunteer, "vk", new Date(realtimeNow.getTime() + s * 1000));
    expect((await verifyTicket(SECRET, await aheadBy(25), realtimeNow)).ok).toBe(true);
    expect(await verifyTicket(SECRET, await aheadBy(45), realtimeNow)).toMatchObject({ ok: false });
  });

  it("rejects garbage, missing tickets, other audiences and 'none' algorithms", async () => {
    expect(await verifyTicket(SECRET, undefined)).toEqual({ ok: false, reason: "missing" });
    expect(await verifyTicket(SECRET, "not.a.jwt")).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyTicket(SECRET, { ticket: 1 })).toEqual({ ok: false, reason: "missing" });
    const other = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("visitor:x")
      .setIssuer("offshift-web")
      .setAudience("someone-else")
      .setIssuedAt()
      .setExpirationTime("1m")
      .setJti("0123456789abcdef0123")
      .sign(new TextEncoder().encode(SECRET));
    expect(await verifyTicket(SECRET, other)).toEqual({ ok: false, reason: "wrong_audience" });
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"person:x"}').toString("base64url")}.`;
    expect((await verifyTicket(SECRET, none)).ok).toBe(false);
  });

  it("property: answers exactly as jose's jwtVerify with the same options would (the reference it replaced)", async () => {
    /** jose's verdict, mapped to reasons as verifyTicket did when it called jose. */
    const reference = async (token: string, now: Date) => {
      try {
        await jwtVerify(token, new TextEncoder().encode(SECRET), {
          issuer: "offshift-web",
          audience: "offshift-realtime",
          algorithms: ["HS256"],
          currentDate: now,
          maxTokenAge: TICKET_TTL_SECONDS,
          clockTolerance: TICKET_CLOCK_SKEW_SECONDS,
        });
        return "ok";
      } catch (err) {
        if (err instanceof errors.JWTExpired) return "expired";
        if (err instanceof errors.JWTClaimValidationFailed) return "wrong_audience";
        if (err instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
        return "malformed";
      }
    };
    const now = new Date("2026-11-22T22:00:00Z");
    const t = Math.floor(now.getTime() / 1000);
    /** Usually the good value, so that most cases reach the time checks; sometimes one of the bad ones. */
    const mostly = <T>(good: T | fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
      fc.oneof(
        { arbitrary: good instanceof fc.Arbitrary ? good : fc.constant(good), weight: 8 },
        { arbitrary: bad, weight: 1 },
      );
    // Around every boundary the options make: 30 s skew, 60 s age, now.
    const edges = [-91, -90, -89, -61, -60, -59, -31, -30, -29, -1, 0, 1, 29, 30, 31, 35].map((d) => t + d);
    const time = fc.oneof(fc.integer({ min: t - 200, max: t + 200 }), fc.constantFrom(...edges));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          iss: mostly("offshift-web", fc.constantFrom(undefined, "someone-else", 7)),
          aud: mostly<unknown>(
            "offshift-realtime",
            fc.constantFrom<unknown>(undefined, ["x", "offshift-realtime"], ["x"], "other", null),
          ),
          iat: mostly(time, fc.constantFrom<unknown>(undefined, "yesterday")),
          exp: mostly(time, fc.constantFrom<unknown>(undefined, "soon")),
          nbf: fc.option(time, { nil: undefined }),
          alg: mostly("HS256", fc.constantFrom("HS512", "none")),
          secret: mostly(SECRET, fc.constant("another-secret-that-is-32-characters-long")),
          tamper: mostly("none", fc.constantFrom("payload", "signature", "parts")),
        }),
        async (c) => {
          const claims: Record<string, unknown> = { sub: "guest:abc", jti: "0123456789abcdef0123" };
          for (const k of ["iss", "aud", "iat", "exp", "nbf"] as const) if (c[k] !== undefined) claims[k] = c[k];
          const enc = (x: unknown) => Buffer.from(JSON.stringify(x)).toString("base64url");
          const h = enc({ alg: c.alg });
          const p = enc(claims);
          const hmac = await import("node:crypto").then((m) =>
            m
              .createHmac(c.alg === "HS512" ? "sha512" : "sha256", c.secret)
              .update(`${h}.${p}`)
              .digest("base64url"),
          );
          let token = c.alg === "none" ? `${h}.${p}.` : `${h}.${p}.${hmac}`;
          if (c.tamper === "payload") token = `${h}.${enc({ ...claims, sub: "person:abc" })}.${hmac}`;
          if (c.tamper === "signature") token = `${h}.${p}.${hmac.slice(0, -2)}AA`;
          if (c.tamper === "parts") token = `${h}.${p}`;
          const ours = await verifyTicket(SECRET, token, now);
          const theirs = await reference(token, now);
          // jose checks registered claims; the ticket's own shape (exp required) is checked after, by both.
          if (theirs === "ok" && typeof claims.exp !== "number") return !ours.ok && ours.reason === "malformed";
          expect(ours.ok ? "ok" : ours.reason).toBe(theirs);
          return true;
        },
      ),
      { numRuns: 1000 },
    );
  });
});
