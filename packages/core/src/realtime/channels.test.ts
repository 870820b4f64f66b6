import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  callChannel,
  callSideChannel,
  guestChannel,
  identityRoomFor,
  parseIdentity,
  personChannel,
  personIdOfIdentity,
  roomChannel,
  roomMemberChannel,
  visitorChannel,
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
