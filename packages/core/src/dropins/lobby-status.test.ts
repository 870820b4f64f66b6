import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placesLeft } from "./places.js";
import { FACILITATOR_GRACE_MINUTES, nextLobbyStatusChange, lobbyStatus } from "./tonight.js";

const start = new Date("2026-11-24T22:00:00Z");
const occ = (over: Partial<{ cancelled: boolean; openedAt: Date | null }> = {}) => ({
  startsAt: start,
  endsAt: new Date(start.getTime() + 60 * 60_000),
  cancelled: false,
  openedAt: null,
  ...over,
});
const minutes = (m: number) => new Date(start.getTime() + m * 60_000);

describe("lobbyStatus: what the lobby says", () => {
  it.each([
    [-11, "upcoming"],
    [-10, "lobby"],
    [-1, "lobby"],
    [0, "late"],
    [FACILITATOR_GRACE_MINUTES - 1, "late"],
    [FACILITATOR_GRACE_MINUTES, "not-running"],
    [59, "not-running"],
    [60, "ended"],
  ] as const)("unopened, %i minutes from the start: %s", (m, expected) => {
    expect(lobbyStatus(occ(), minutes(m))).toBe(expected);
  });

  it("is open once a facilitator opens it, even after a late start, until the end", () => {
    expect(lobbyStatus(occ({ openedAt: minutes(-5) }), minutes(-5))).toBe("open");
    expect(lobbyStatus(occ({ openedAt: minutes(20) }), minutes(20))).toBe("open");
    expect(lobbyStatus(occ({ openedAt: minutes(-5) }), minutes(60))).toBe("ended");
  });

  it("cancelled wins over everything", () => {
    expect(lobbyStatus(occ({ cancelled: true, openedAt: minutes(-5) }), minutes(0))).toBe("cancelled");
  });

  it("the state only changes at the instants nextLobbyStatusChange names", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -120, max: 120 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (m, step, opened) => {
          const o = occ({ openedAt: opened ? minutes(-10) : null });
          const now = minutes(m);
          const next = nextLobbyStatusChange(o, now);
          const later = minutes(m + step);
          if (next === null || later < next) expect(lobbyStatus(o, later)).toBe(lobbyStatus(o, now));
          else expect(lobbyStatus(o, next)).not.toBe(lobbyStatus(o, new Date(next.getTime() - 1)));
        },
      ),
    );
  });
});

describe("placesLeft", () => {
  it("never goes below zero", () => {
    expect(placesLeft(12, 3)).toBe(9);
    expect(placesLeft(2, 5)).toBe(0);
  });
});
