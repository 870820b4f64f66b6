import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  callChannel,
  callSideChannel,
  channelOf,
  guestChannel,
  identityOf,
  identityOfChannel,
  identityRoomFor,
  parseIdentity,
  personChannel,
  personIdOfIdentity,
  roomChannel,
  roomMemberChannel,
  sameIdentity,
  visitorChannel,
  type Identity,
} from "./channels.js";

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe("identity channels", () => {
  it("names a person's, a guest's and a visitor's sockets as the ticket subject does", () => {
    expect(personChannel("p1")).toBe("person:p1");
    expect(guestChannel("g1")).toBe("guest:g1");
    expect(visitorChannel("v1")).toBe("visitor:v1");
    expect(identityRoomFor({ kind: "person", personId: "p1", roles: [], status: "APPROVED" })).toBe("person:p1");
    expect(identityRoomFor({ kind: "guest", guestId: "g1" })).toBe("guest:g1");
    expect(identityRoomFor({ kind: "visitor" })).toBeNull();
  });

  it("parses back what it builds, and only that", () => {
    fc.assert(
      fc.property(id, (x) => {
        expect(parseIdentity(personChannel(x))).toEqual({ kind: "person", id: x });
        expect(parseIdentity(guestChannel(x))).toEqual({ kind: "guest", id: x });
        expect(parseIdentity(visitorChannel(x))).toEqual({ kind: "visitor", id: x });
        expect(personIdOfIdentity(personChannel(x))).toBe(x);
        expect(personIdOfIdentity(guestChannel(x))).toBeNull();
        expect(parseIdentity(roomChannel(x))).toBeNull();
        expect(parseIdentity(callChannel(x))).toBeNull();
      }),
    );
    expect(parseIdentity("p1")).toBeNull();
    expect(parseIdentity(":p1")).toBeNull();
    expect(parseIdentity("people:p1")).toBeNull();
  });
});

describe("identities", () => {
  const identity: fc.Arbitrary<Identity> = fc.record({
    kind: fc.constantFrom("person", "guest"),
    id,
  }) as fc.Arbitrary<Identity>;

  it("round-trips: identity → channel → identity", () => {
    fc.assert(
      fc.property(identity, (who) => {
        expect(identityOfChannel(channelOf(who))).toEqual(who);
        expect(sameIdentity(identityOfChannel(channelOf(who)), who)).toBe(true);
      }),
    );
  });

  it("gives two different identities two different channels", () => {
    fc.assert(
      fc.property(identity, identity, (a, b) => {
        expect(channelOf(a) === channelOf(b)).toBe(sameIdentity(a, b));
      }),
    );
  });

  it("names a person's and a guest's channel as before (aliases and LiveKit identities derive from it)", () => {
    expect(channelOf({ kind: "person", id: "p1" })).toBe(personChannel("p1"));
    expect(channelOf({ kind: "guest", id: "g1" })).toBe(guestChannel("g1"));
  });

  it("is the actor's identity for a person or a guest, and none for a visitor", () => {
    expect(identityOf({ kind: "person", personId: "p1", roles: [], status: "APPROVED" })).toEqual({
      kind: "person",
      id: "p1",
    });
    expect(identityOf({ kind: "guest", guestId: "g1" })).toEqual({ kind: "guest", id: "g1" });
    expect(identityOf({ kind: "visitor" })).toBeNull();
  });

  it("finds no identity in a visitor's, a room's or a call's channel, or in anything else", () => {
    fc.assert(
      fc.property(id, (x) => {
        expect(identityOfChannel(visitorChannel(x))).toBeNull();
        expect(identityOfChannel(roomChannel(x))).toBeNull();
        expect(identityOfChannel(callChannel(x))).toBeNull();
      }),
    );
    expect(identityOfChannel("person:")).toBeNull();
    expect(identityOfChannel("gone:1c2d3e4f")).toBeNull();
    expect(sameIdentity(null, null)).toBe(false);
  });
});

describe("room and call channels", () => {
  it("keep a room's, a member's, a call's and a call side's channels apart", () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const names = [
          roomChannel(a),
          roomMemberChannel(a, b),
          callChannel(a),
          callSideChannel(a, "worker"),
          callSideChannel(a, "volunteer"),
          personChannel(a),
          guestChannel(a),
        ];
        expect(new Set(names).size).toBe(names.length);
      }),
    );
    expect(roomMemberChannel("o1", "m1")).toBe("room:o1:m1");
    expect(callSideChannel("c1", "worker")).toBe("call:c1:worker");
  });
});
