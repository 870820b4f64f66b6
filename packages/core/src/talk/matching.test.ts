import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXPERIENCE_TAGS } from "../people/schema.js";
import {
  OFFER_TIMEOUT_MS,
  RELAX_AFTER_MS,
  REOFFER_AFTER_MS,
  availabilityText,
  canConfirmSlot,
  fits,
  planOffers,
  rankVolunteers,
  type RequestForMatching,
  type VolunteerForMatching,
} from "./matching.js";

const T0 = Date.UTC(2026, 10, 24, 23, 0);
const request = (over: Partial<RequestForMatching> = {}): RequestForMatching => ({
  id: "r1",
  language: null,
  experience: [],
  priority: 0,
  createdAt: T0,
  offeredTo: [],
  ...over,
});
const volunteer = (id: string, over: Partial<VolunteerForMatching> = {}): VolunteerForMatching => ({
  id,
  languages: ["en"],
  experience: [],
  lastCallEndedAt: null,
  ...over,
});

describe("who is asked first", () => {
  const maria = volunteer("maria", { languages: ["en", "pt"], experience: ["nights"] });
  const sam = volunteer("sam", { experience: ["bereavement", "nights"] });
  const kwame = volunteer("kwame", { experience: ["lone working"] });

  it("a language preference is honoured while it can be", () => {
    const r = request({ language: "pt" });
    expect(rankVolunteers(r, [sam, kwame, maria], T0).map((v) => v.id)).toEqual(["maria"]);
    // Nobody speaks Polish: the request waits rather than going to someone who doesn't fit.
    expect(rankVolunteers(request({ language: "pl" }), [sam, kwame, maria], T0 + 1000)).toEqual([]);
  });

  it("after the visible wait, preferences rank but no longer exclude", () => {
    const r = request({ language: "pl", experience: ["nights"] });
    const later = T0 + RELAX_AFTER_MS;
    expect(rankVolunteers(r, [kwame, sam, maria], later - 1)).toEqual([]);
    expect(rankVolunteers(r, [kwame, sam, maria], later).map((v) => v.id)).toEqual(["maria", "sam", "kwame"]);
  });

  it("experience: at least one shared tag, more shared tags first", () => {
    const r = request({ experience: ["bereavement", "nights"] });
    expect(rankVolunteers(r, [kwame, maria, sam], T0).map((v) => v.id)).toEqual(["sam", "maria"]);
    expect(fits(r, kwame)).toBe(false);
  });

  it("ties go to whoever has been free longest", () => {
    const a = volunteer("a", { lastCallEndedAt: T0 - 1000 });
    const b = volunteer("b", { lastCallEndedAt: T0 - 60_000 });
    const c = volunteer("c");
    expect(rankVolunteers(request(), [a, b, c], T0).map((v) => v.id)).toEqual(["c", "b", "a"]);
  });

  it("someone who just declined is not asked again straight away, but is later", () => {
    const r = request({ offeredTo: [{ volunteerId: "sam", at: T0 }] });
    expect(rankVolunteers(r, [sam], T0 + OFFER_TIMEOUT_MS).map((v) => v.id)).toEqual([]);
    expect(rankVolunteers(r, [sam], T0 + REOFFER_AFTER_MS).map((v) => v.id)).toEqual(["sam"]);
  });
});

describe("a volunteer who asks", () => {
  it("is never offered their own request, even as the only one on call", () => {
    const asker = request({ id: "r-self", requesterPersonId: "maria" });
    expect(rankVolunteers(asker, [volunteer("maria")], T0)).toEqual([]);
    expect(planOffers([asker], [volunteer("maria")], T0 + RELAX_AFTER_MS)).toEqual([]);
    expect(planOffers([asker], [volunteer("maria"), volunteer("sam")], T0)).toEqual([
      { requestId: "r-self", volunteerId: "sam" },
    ]);
  });
});

describe("planOffers", () => {
  it("stepped-aside requests go first, then oldest first; one volunteer per request", () => {
    const plan = planOffers(
      [
        request({ id: "old", createdAt: T0 }),
        request({ id: "new", createdAt: T0 + 5000 }),
        request({ id: "stepped", createdAt: T0 + 9000, priority: 1 }),
      ],
      [volunteer("v1"), volunteer("v2")],
      T0 + 10_000,
    );
    expect(plan).toEqual([
      { requestId: "stepped", volunteerId: "v1" },
      { requestId: "old", volunteerId: "v2" },
    ]);
  });

  it("a request nobody fits does not hold up the one behind it", () => {
    const plan = planOffers(
      [request({ id: "polish", language: "pl" }), request({ id: "any", createdAt: T0 + 1 })],
      [volunteer("v1")],
      T0 + 2,
    );
    expect(plan).toEqual([{ requestId: "any", volunteerId: "v1" }]);
  });

  const arbRequest = fc.record({
    id: fc.uuid(),
    language: fc.option(fc.constantFrom("en", "pl", "pt"), { nil: null }),
    experience: fc.subarray([...EXPERIENCE_TAGS]),
    priority: fc.constantFrom(0, 1),
    createdAt: fc.integer({ min: T0 - 10 * 60_000, max: T0 }),
    offeredTo: fc.constant([]),
  });
  const arbVolunteer = fc.record({
    id: fc.uuid(),
    languages: fc.subarray(["en", "pl", "pt"], { minLength: 1 }),
    experience: fc.subarray([...EXPERIENCE_TAGS]),
    lastCallEndedAt: fc.option(fc.integer({ min: T0 - 3_600_000, max: T0 }), { nil: null }),
  });

  it("property: never two offers for one request or one volunteer, nor one to its asker; fits until relaxed; nobody idle while a fitting request waits", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbRequest, { selector: (r) => r.id, maxLength: 12 }),
        fc.uniqueArray(arbVolunteer, { selector: (v) => v.id, maxLength: 8 }),
        (generated, volunteers) => {
          // Some requests come from volunteers in the pool (asking in another tab).
          const requests = generated.map((r, i) => ({
            ...r,
            requesterPersonId: i % 2 === 0 ? (volunteers[i % Math.max(1, volunteers.length)]?.id ?? null) : null,
          }));
          const plan = planOffers(requests, volunteers, T0);
          expect(new Set(plan.map((p) => p.requestId)).size).toBe(plan.length);
          expect(new Set(plan.map((p) => p.volunteerId)).size).toBe(plan.length);
          const byId = new Map(requests.map((r) => [r.id, r]));
          const vById = new Map(volunteers.map((v) => [v.id, v]));
          for (const p of plan) {
            const r = byId.get(p.requestId)!;
            expect(p.volunteerId).not.toBe(r.requesterPersonId);
            if (T0 - r.createdAt < RELAX_AFTER_MS) expect(fits(r, vById.get(p.volunteerId)!)).toBe(true);
          }
          const used = new Set(plan.map((p) => p.volunteerId));
          const planned = new Set(plan.map((p) => p.requestId));
          for (const r of requests) {
            if (planned.has(r.id)) continue;
            for (const v of volunteers) {
              if (used.has(v.id) || v.id === r.requesterPersonId) continue;
              expect(T0 - r.createdAt < RELAX_AFTER_MS && !fits(r, v)).toBe(true);
            }
          }
        },
      ),
    );
  });
});

describe("what workers are told", () => {
  it("an honest status line", () => {
    expect(availabilityText(2, null)).toBe("2 volunteers are on call now");
    expect(availabilityText(1, null)).toBe("1 volunteer is on call now");
    expect(availabilityText(0, { day: "Tonight", time: "22:00" })).toBe(
      "Nobody is free right now: the next drop-in is tonight at 22:00",
    );
    expect(availabilityText(0, null)).toBe("Nobody is free right now");
    // Day names keep their capital inside the sentence; only "tonight" and "tomorrow night" are lowered.
    expect(availabilityText(0, { day: "Monday", time: "07:15" })).toBe(
      "Nobody is free right now: the next drop-in is Monday at 07:15",
    );
    expect(availabilityText(0, { day: "Tomorrow night", time: "00:30" })).toContain("is tomorrow night at 00:30");
    expect(availabilityText(0, { day: "Tonight", time: "21:30", openNow: true })).toBe(
      "Nobody is free right now: a drop-in is open now",
    );
  });

  it("a talk-line slot can be confirmed from 10 minutes before until it ends", () => {
    const slot = { startsAt: T0, endsAt: T0 + 3_600_000 };
    expect(canConfirmSlot(slot, T0 - 11 * 60_000)).toBe(false);
    expect(canConfirmSlot(slot, T0 - 10 * 60_000)).toBe(true);
    expect(canConfirmSlot(slot, T0 + 3_599_999)).toBe(true);
    expect(canConfirmSlot(slot, T0 + 3_600_000)).toBe(false);
  });
});
