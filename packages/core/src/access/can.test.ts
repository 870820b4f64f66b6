import { describe, expect, it } from "vitest";
import { ACTIONS, can, type Action, type Actor, type Resource, type Role } from "./can.js";

const ME = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
const person = (roles: Role[], status: "APPROVED" | "APPLIED" | "SUSPENDED" = "APPROVED"): Actor => ({
  kind: "person",
  personId: ME,
  roles,
  status,
});

const actors: Record<string, Actor> = {
  visitor: { kind: "visitor" },
  guest: { kind: "guest", guestId: "g1" },
  worker: person(["WORKER"]),
  volunteer: person(["VOLUNTEER"]),
  facilitator: person(["FACILITATOR"]),
  "volunteer+facilitator": person(["VOLUNTEER", "FACILITATOR"]),
  coordinator: person(["COORDINATOR"]),
  "applied volunteer": person(["VOLUNTEER"], "APPLIED"),
  "suspended volunteer": person(["VOLUNTEER", "FACILITATOR"], "SUSPENDED"),
  "suspended coordinator": person(["COORDINATOR"], "SUSPENDED"),
};

// The whole matrix, written out: Y = allowed. Columns follow `order`.
const order = Object.keys(actors);
//                                  vis gst wkr vol fac v+f crd app susV susC
// prettier-ignore
const matrix: Record<Action, string> = {
  "dropin.view":                     "Y   Y   Y   Y   Y   Y   Y   Y   Y    Y",
  "dropin.markIntent":               ".   Y   Y   Y   Y   Y   Y   .   .    .",
  "guest.create":                    "Y   Y   .   .   .   .   .   Y   Y    Y",
  "guest.forgetOwn":                 ".   Y   .   .   .   .   .   .   .    .",
  "volunteer.apply":                 "Y   Y   .   .   .   .   .   .   .    .",
  "dropin.join":                     ".   Y   Y   Y   Y   Y   Y   .   .    .",
  "talk.request":                    ".   Y   Y   Y   Y   Y   Y   .   .    .",
  "volunteer.home":                  ".   .   .   Y   Y   Y   .   .   .    .",
  "rota.signUp":                     ".   .   .   Y   .   Y   .   .   .    .",
  "oncall.start":                    ".   .   .   Y   .   Y   .   .   .    .",
  "series.manage":                   ".   .   .   .   Y   Y   Y   .   .    .",
  "room.open":                       ".   .   .   .   Y   Y   .   .   .    .",
  "room.moderate":                   ".   .   .   .   Y   Y   Y   .   .    .",
  "safeguarding.flag":               ".   .   .   Y   Y   Y   Y   .   .    .",
  "safeguarding.review":             ".   .   .   .   .   .   Y   .   .    .",
  "application.review":              ".   .   .   .   .   .   Y   .   .    .",
  "person.suspend":                  ".   .   .   .   .   .   Y   .   .    .",
  "attendance.viewAggregate":        ".   .   .   .   .   .   Y   .   .    .",
  "account.manageOwn":               ".   .   Y   Y   Y   Y   Y   Y   Y    Y",
  "reminder.manage":                 ".   .   Y   Y   Y   Y   Y   .   .    .",
  "rota.manage":                     ".   .   .   .   .   .   Y   .   .    .",
  "talk.viewAggregate":              ".   .   .   .   .   .   Y   .   .    .",
  "voice.tickThemes":                ".   .   .   Y   Y   Y   .   .   .    .",
  "voice.leaveWord":                 ".   Y   Y   Y   Y   Y   Y   .   .    .",
  "voice.manage":                    ".   .   .   .   .   .   Y   .   .    .",
  "push.subscribe":                  ".   Y   Y   Y   Y   Y   Y   .   .    .",
};

describe("can(): every role x action", () => {
  it("covers every action", () => {
    expect(Object.keys(matrix).sort()).toEqual([...ACTIONS].sort());
  });

  for (const action of ACTIONS) {
    const row = matrix[action].trim().split(/\s+/);
    order.forEach((name, i) => {
      const allowed = row[i] === "Y";
      // Resource: the actor's own record, and a session the actor facilitates.
      const resource: Resource = { ownerPersonId: ME, facilitatorIds: [ME] };
      it(`${name} ${allowed ? "may" : "may not"} ${action}`, () => {
        expect(can(actors[name]!, action, resource)).toBe(allowed);
      });
    });
  }
});

describe("can(): resources", () => {
  it("a facilitator moderates only sessions they facilitate; a coordinator any", () => {
    expect(can(actors.facilitator!, "room.moderate", { facilitatorIds: [OTHER] })).toBe(false);
    expect(can(actors.facilitator!, "room.moderate", {})).toBe(false);
    expect(can(actors.coordinator!, "room.moderate", { facilitatorIds: [OTHER] })).toBe(true);
  });

  it("series and rooms: a facilitator only those they run (no resource: the pages); a coordinator manages any, opens none", () => {
    const cases: [who: string, action: Action, resource: Resource, allowed: boolean][] = [
      ["facilitator", "series.manage", { facilitatorIds: [OTHER] }, false],
      ["facilitator", "series.manage", {}, true],
      ["coordinator", "series.manage", { facilitatorIds: [OTHER] }, true],
      ["facilitator", "room.open", { facilitatorIds: [OTHER] }, false],
      ["coordinator", "room.open", { facilitatorIds: [OTHER] }, false],
      ["volunteer", "room.open", { facilitatorIds: [ME] }, false],
    ];
    for (const [who, action, resource, allowed] of cases)
      expect(can(actors[who]!, action, resource), `${who} ${action} ${JSON.stringify(resource)}`).toBe(allowed);
  });

  it("themes are ticked only by whoever ran that session", () => {
    expect(can(actors.facilitator!, "voice.tickThemes", { facilitatorIds: [OTHER] })).toBe(false);
    expect(can(actors.volunteer!, "voice.tickThemes", {})).toBe(false);
    expect(can(actors.coordinator!, "voice.tickThemes", { facilitatorIds: [ME] })).toBe(false);
  });

  it("nobody manages another person's account, not even a coordinator", () => {
    expect(can(actors.coordinator!, "account.manageOwn", { ownerPersonId: OTHER })).toBe(false);
    expect(can(actors.guest!, "account.manageOwn", { ownerPersonId: OTHER })).toBe(false);
  });
});
