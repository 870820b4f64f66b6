import { OFFER_TIMEOUT_MS, type Actor, type TalkEffect } from "@offshift/core";
import { beforeAll, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { namedGuests } from "../testing/guests.js";
import { useTestDatabase } from "../testing/per-file.js";
import {
  acceptTalkOffer,
  askToTalk,
  cancelTalkRequest,
  goOnCall,
  hangUp,
  joinCall,
  runTalkMatcher,
  stepAsideFromRoom,
} from "./use-cases.js";

// The 1:1 line's use cases: each checks who may do it, refuses in plain words changing nothing, and
// says what is to be done as effects naming identities (never channels), for realtime's one dispatcher.

let db: TestPrisma;
const database = useTestDatabase("talk_use_cases");
const now = new Date("2026-11-24T23:00:00Z");
const { guest } = namedGuests(() => db);
const page = (socketId: string) => ({ socketId, nodeId: "n1" });
const kinds = (effects: TalkEffect[]) => effects.map((e) => e.kind);

let volunteer: Actor & { kind: "person" };
let otherVolunteer: Actor & { kind: "person" };
const guestActor = async (name: string): Promise<Actor> => ({ kind: "guest", guestId: (await guest(name)).id });

beforeAll(async () => {
  db = database.client();
  const person = async (displayName: string) => {
    const p = await db.person.create({ data: { displayName, roles: ["VOLUNTEER"], status: "APPROVED" } });
    return { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" } as const;
  };
  volunteer = await person("Maria Vol");
  otherVolunteer = await person("Sam Vol");
});

describe("the 1:1 line's use cases", () => {
  it("refuse whoever may not, in plain words, and store nothing", async () => {
    expect(
      await askToTalk(db, { actor: { kind: "visitor" }, preferences: { experience: [] }, page: page("v"), now }),
    ).toEqual({ ok: false, code: "forbidden", message: "Choose a nickname first." });
    expect(await goOnCall(db, { actor: await guestActor("nosy"), page: page("n"), now })).toEqual({
      ok: false,
      code: "forbidden",
      message: "Only approved volunteers can be on call.",
    });
    expect(
      await stepAsideFromRoom(db, { actor: volunteer, occurrenceId: null, participant: await guest("x"), now }),
    ).toEqual({ ok: false, code: "forbidden", message: "Only this session's facilitators can do that." });
    expect(await db.talkRequest.count()).toBe(0);
    expect(await db.onCall.count()).toBe(0);
  });

  it("carry a worker from asking to the end of their call, saying each time who must hear what", async () => {
    const owl = await guest("owl");
    const asked = await askToTalk(db, {
      actor: await guestActor("owl"),
      preferences: { experience: [] },
      page: page("owl-page"),
      now,
    });
    expect(asked).toMatchObject({ ok: true, requester: owl, status: { state: "waiting", position: 1 } });
    expect(asked.ok && kinds(asked.effects)).toEqual(["onCallWaitingChanged", "matchTalk"]);
    if (!asked.ok) return;
    // Someone else cannot cancel it: to them it does not exist.
    expect(await cancelTalkRequest(db, { actor: await guestActor("kit"), requestId: asked.requestId, now })).toEqual({
      ok: false,
      code: "not_found",
      message: "That request could not be found.",
    });

    const onCall = await goOnCall(db, { actor: volunteer, page: page("maria-page"), now });
    expect(onCall.ok && onCall.effects).toEqual([
      { kind: "onCallChanged", personId: volunteer.personId },
      { kind: "talkQueueMoved" },
      { kind: "matchTalk" },
    ]);

    const pass = await runTalkMatcher(db, now);
    const made = pass.effects.find((e) => e.kind === "talkOfferMade");
    expect(made).toMatchObject({
      volunteerId: volunteer.personId,
      requester: owl,
      answerWithinSeconds: OFFER_TIMEOUT_MS / 1000,
    });
    expect(kinds(pass.effects)).toEqual(["talkOfferMade", "talkQueueMoved"]);
    const offerId = made?.kind === "talkOfferMade" ? made.offer.offerId : "";

    // Only the volunteer it was made to can take it.
    expect(await acceptTalkOffer(db, { actor: otherVolunteer, offerId, now })).toMatchObject({
      ok: false,
      code: "not_yours",
    });
    const accepted = await acceptTalkOffer(db, { actor: volunteer, offerId, now });
    if (!accepted.ok) throw new Error(accepted.message);
    expect(accepted.effects[0]).toEqual({
      kind: "talkAccepted",
      offerId,
      volunteerId: volunteer.personId,
      requester: owl,
      callId: accepted.callId,
    });

    // Only the two of them can open the call.
    const callId = accepted.callId;
    expect(await joinCall(db, { actor: await guestActor("kit"), callId, page: page("kit-page"), now })).toMatchObject({
      ok: false,
      code: "not_found",
    });
    const joined = await joinCall(db, { actor: await guestActor("owl"), callId, page: page("owl-call"), now });
    expect(joined).toMatchObject({ ok: true, side: "worker", active: true, identity: owl });
    expect(joined.ok && kinds(joined.effects)).toEqual(["callState"]);

    const ended = await hangUp(db, { actor: await guestActor("owl"), callId, now });
    expect(ended.ok && ended.effects).toMatchObject([
      { kind: "callEnded", callId, by: "worker", view: { status: "ended" } },
      { kind: "onCallChanged", personId: volunteer.personId },
      { kind: "matchTalk" },
    ]);
    expect(await hangUp(db, { actor: volunteer, callId, now })).toEqual({
      ok: false,
      code: "ended",
      message: "This call has already ended.",
    });
  });
});
