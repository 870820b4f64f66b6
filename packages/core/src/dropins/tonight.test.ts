import { describe, expect, it } from "vitest";
import { bucketFor, groupForTonight, isLobbyOpen, nightLabel } from "./tonight.js";

const LONDON = "Europe/London";
const at = (iso: string) => new Date(iso);
const session = (start: string, minutes = 60) => ({
  startsAt: at(start),
  endsAt: new Date(at(start).getTime() + minutes * 60_000),
});

describe("Tonight buckets", () => {
  const now = at("2026-11-24T21:50:00Z"); // Tuesday 21:50 GMT

  it("places sessions in live / soon / later / week", () => {
    expect(bucketFor(session("2026-11-24T21:30:00Z"), now, LONDON)).toBe("live");
    expect(bucketFor(session("2026-11-24T22:00:00Z"), now, LONDON)).toBe("soon");
    expect(bucketFor(session("2026-11-25T00:30:00Z"), now, LONDON)).toBe("later");
    expect(bucketFor(session("2026-11-25T22:00:00Z"), now, LONDON)).toBe("week");
    expect(bucketFor(session("2026-12-05T22:00:00Z"), now, LONDON)).toBeNull();
    expect(bucketFor(session("2026-11-24T19:00:00Z"), now, LONDON)).toBeNull();
  });

  it("after midnight, a 02:00 session is still tonight", () => {
    const lateNow = at("2026-11-25T00:40:00Z");
    expect(bucketFor(session("2026-11-25T02:00:00Z"), lateNow, LONDON)).toBe("later");
  });

  it("groups in start order", () => {
    const g = groupForTonight([session("2026-11-25T00:30:00Z"), session("2026-11-24T23:30:00Z")], now, LONDON);
    expect(g.later.map((s) => s.startsAt.toISOString())).toEqual([
      "2026-11-24T23:30:00.000Z",
      "2026-11-25T00:30:00.000Z",
    ]);
  });

  it("opens the lobby 10 minutes before start", () => {
    expect(isLobbyOpen(session("2026-11-24T22:00:00Z"), at("2026-11-24T21:49:59Z"))).toBe(false);
    expect(isLobbyOpen(session("2026-11-24T22:00:00Z"), at("2026-11-24T21:50:00Z"))).toBe(true);
    expect(isLobbyOpen(session("2026-11-24T22:00:00Z"), at("2026-11-24T23:00:00Z"))).toBe(false);
  });
});

describe("nightLabel", () => {
  const now = at("2026-11-23T12:00:00Z"); // Monday noon
  it("labels after-midnight sessions by the night they belong to", () => {
    expect(nightLabel(at("2026-11-26T00:30:00Z"), now, LONDON)).toEqual({ day: "Wednesday night", time: "00:30" });
    expect(nightLabel(at("2026-11-24T00:30:00Z"), now, LONDON)).toEqual({ day: "Tonight", time: "00:30" });
    expect(nightLabel(at("2026-11-24T22:00:00Z"), now, LONDON)).toEqual({ day: "Tomorrow night", time: "22:00" });
    expect(nightLabel(at("2026-11-27T15:00:00Z"), now, LONDON)).toEqual({ day: "Friday", time: "15:00" });
  });
  it("uses local time in summer", () => {
    expect(nightLabel(at("2026-07-01T21:00:00Z"), at("2026-06-28T12:00:00Z"), LONDON)).toEqual({
      day: "Wednesday",
      time: "22:00",
    });
  });
});
