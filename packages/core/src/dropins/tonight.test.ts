import { describe, expect, it } from "vitest";
import { bucketFor, dropInToSuggest, groupForTonight, isLobbyOpen, nightLabel } from "./tonight.js";

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

describe("dropInToSuggest: where /talk points when nobody is on call", () => {
  const at = (h: number, m: number) => new Date(Date.UTC(2026, 10, 24, h, m));
  const session = (h: number, m: number, over: { openedAt?: Date | null; cancelled?: boolean; id: string }) => ({
    startsAt: at(h, m),
    endsAt: at(h + 1, m),
    openedAt: null,
    ...over,
  });
  const now = at(21, 50);
  // 21:30 nobody opened (not going ahead), 21:40 opened, 22:00 not started, 21:45 cancelled.
  const notRunning = session(21, 30, { id: "not-running" });
  const openNow = session(21, 40, { id: "open", openedAt: at(21, 38) });
  const later = session(22, 0, { id: "later" });
  const cancelled = session(21, 45, { id: "cancelled", cancelled: true, openedAt: at(21, 40) });

  it("a drop-in open now first", () => {
    expect(dropInToSuggest([notRunning, cancelled, later, openNow], now)).toEqual({ item: openNow, openNow: true });
  });
  it("else the next one that is actually going ahead", () => {
    expect(dropInToSuggest([notRunning, cancelled, later], now)).toEqual({ item: later, openNow: false });
    expect(dropInToSuggest([notRunning, later, openNow], now, (s) => s.id !== "open")).toEqual({
      item: later,
      openNow: false,
    });
  });
  it("never a late, not-going-ahead, cancelled or finished one", () => {
    const late = session(21, 45, { id: "late" });
    expect(dropInToSuggest([notRunning, cancelled, late, session(20, 0, { id: "over" })], now)).toBeNull();
  });
});
