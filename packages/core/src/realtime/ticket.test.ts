import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { TICKET_CLOCK_SKEW_SECONDS, issueTicket, verifyTicket } from "./ticket.js";

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
});
