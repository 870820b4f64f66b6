import {
  can,
  identityOf,
  type Actor,
  type CallView,
  type Identity,
  type OnCallStatus,
  type TalkEffect,
  type TalkPreferences,
  type TalkStatus,
} from "@offshift/core";
import { client, type Db } from "../client.js";
import { loadRoomContext } from "../room/live.js";
import { callSide, endCall, loadCallView, touchCallPresence } from "./call.js";
import { acceptOffer, declineOffer, dispatchOffers, type ClosedOffer, type DispatchResult } from "./matching.js";
import { dropTalkPresence, onCallStatus, startOnCall, stopOnCall, touchOnCallPresence } from "./oncall.js";
import { touchWaitingPresence } from "./presence.js";
import { cancelTalk, refuse, requestTalk, stepAside, talkStatus, type TalkOutcome } from "./requests.js";

/**
 * The 1:1 line's use cases, one per thing a person does: each takes the
 * actor, checks `can()` (and who they are) itself, does its work through the
 * steps beside it, and returns its result with what is to be done once it
 * committed as `effects` (core's TalkEffect), or a refusal in plain words.
 * Realtime's socket handlers call these and nothing else, and carry the
 * effects out in one place (apps/realtime/src/effects.ts).
 */

/** The socket (a worker's, volunteer's or call page) a use case runs for, on one realtime node. */
export interface TalkPage {
  socketId: string;
  nodeId: string;
}

const NO_NICKNAME = "Choose a nickname first.";
const ONLY_VOLUNTEERS = "Only approved volunteers can be on call.";
const ONLY_FACILITATORS = "Only this session's facilitators can do that.";

/** The approved volunteer this actor is, or null. */
const volunteerOf = (actor: Actor): string | null =>
  actor.kind === "person" && can(actor, "oncall.start") ? actor.personId : null;

/** Offers that stopped standing, as the effect that tells both sides. */
const offersClosed = (offers: ClosedOffer[]): TalkEffect[] =>
  offers.length > 0 ? [{ kind: "talkOffersClosed", offers }] : [];

/** A worker asks for someone to talk to, from their page. */
export async function askToTalk(
  handle: Db,
  input: { actor: Actor; preferences: TalkPreferences; page: TalkPage; now: Date },
): Promise<TalkOutcome<{ requestId: string; requester: Identity; status: TalkStatus }>> {
  const db = client(handle);
  const requester = identityOf(input.actor);
  if (!can(input.actor, "talk.request") || !requester) return refuse("forbidden", NO_NICKNAME);
  const r = await requestTalk(db, { requester, preferences: input.preferences, now: input.now, page: input.page });
  if (!r.ok) return r;
  return {
    ok: true,
    requestId: r.requestId,
    requester,
    status: await talkStatus(db, { requester, now: input.now }),
    effects: [{ kind: "onCallWaitingChanged" }, { kind: "matchTalk" }],
  };
}

/** The worker cancels their request; a pending offer is withdrawn and its volunteer told. */
export async function cancelTalkRequest(
  handle: Db,
  input: { actor: Actor; requestId: string; now: Date },
): Promise<TalkOutcome<{ status: TalkStatus }>> {
  const db = client(handle);
  const requester = identityOf(input.actor);
  if (!requester) return refuse("forbidden", NO_NICKNAME);
  const r = await cancelTalk(db, { requestId: input.requestId, requester, now: input.now });
  if (!r.ok) return r;
  return {
    ok: true,
    status: await talkStatus(db, { requester, now: input.now }),
    effects: [
      ...offersClosed(r.withdrawn.map((w) => ({ ...w, requester, reason: "withdrawn" as const }))),
      { kind: "onCallWaitingChanged" },
      { kind: "talkQueueMoved" },
      { kind: "matchTalk" },
    ],
  };
}

/**
 * A worker's page (re)connects and asks where they are. A page on a waiting
 * request keeps it alive; one coming back (`pageWasWaiting` false) moves the
 * queue, since positions count only workers who are here.
 */
export async function syncTalk(
  handle: Db,
  input: { actor: Actor; page: TalkPage; pageWasWaiting: boolean; now: Date },
): Promise<TalkOutcome<{ status: TalkStatus; waiting: Identity | null }>> {
  const db = client(handle);
  const requester = identityOf(input.actor);
  if (!requester)
    return { ok: true, status: await talkStatus(db, { requester: null, now: input.now }), waiting: null, effects: [] };
  const status = await talkStatus(db, { requester, now: input.now });
  if (status.state !== "waiting") return { ok: true, status, waiting: null, effects: [] };
  await touchWaitingPresence(db, { ...input.page, requester, now: input.now });
  if (input.pageWasWaiting) return { ok: true, status, waiting: requester, effects: [] };
  return {
    ok: true,
    status: await talkStatus(db, { requester, now: input.now }),
    waiting: requester,
    effects: [{ kind: "talkQueueMoved" }, { kind: "onCallWaitingChanged" }, { kind: "matchTalk" }],
  };
}

/**
 * A facilitator steps a participant of their live room aside into the 1:1
 * queue, at the front. `occurrenceId` is the room the facilitator's page is
 * in (none: refused); `participant` who that member is (none: they left).
 */
export async function stepAsideFromRoom(
  handle: Db,
  input: { actor: Actor; occurrenceId: string | null; participant: Identity | null; now: Date },
): Promise<TalkOutcome<{ requestId: string }>> {
  const db = client(handle);
  if (!input.occurrenceId) return refuse("forbidden", ONLY_FACILITATORS);
  const context = await loadRoomContext(db, input.occurrenceId);
  if (!context || !can(input.actor, "room.moderate", { facilitatorIds: context.facilitatorIds }))
    return refuse("forbidden", ONLY_FACILITATORS);
  const requester = input.participant;
  if (!requester) return refuse("not_found", "That participant is not in the room any more.");
  const r = await stepAside(db, {
    requester,
    occurrenceId: input.occurrenceId,
    byPersonId: input.actor.kind === "person" ? input.actor.personId : null,
    now: input.now,
  });
  if (!r.ok) return r;
  return {
    ok: true,
    requestId: r.requestId,
    effects: [
      { kind: "talkSteppedAside", requester, requestId: r.requestId },
      { kind: "onCallWaitingChanged" },
      { kind: "matchTalk" },
    ],
  };
}

/** A volunteer goes on call (for a talk-line slot, or ad hoc) from their on-call page. */
export async function goOnCall(
  handle: Db,
  input: { actor: Actor; slotId?: string | undefined; page: TalkPage; now: Date },
): Promise<TalkOutcome<{ personId: string; onCall: OnCallStatus }>> {
  const db = client(handle);
  const personId = volunteerOf(input.actor);
  if (!personId) return refuse("forbidden", ONLY_VOLUNTEERS);
  const r = await startOnCall(db, { personId, slotId: input.slotId, now: input.now });
  if (!r.ok) return r;
  await touchOnCallPresence(db, { ...input.page, personId, now: input.now });
  return {
    ok: true,
    personId,
    onCall: await onCallStatus(db, { personId, now: input.now }),
    effects: [{ kind: "onCallChanged", personId }, { kind: "talkQueueMoved" }, { kind: "matchTalk" }],
  };
}

/** A volunteer goes off call: a pending offer is withdrawn and passes on. */
export async function goOffCall(
  handle: Db,
  input: { actor: Actor; now: Date },
): Promise<TalkOutcome<{ onCall: OnCallStatus }>> {
  const db = client(handle);
  const personId = volunteerOf(input.actor);
  if (!personId) return refuse("forbidden", ONLY_VOLUNTEERS);
  const closed = await stopOnCall(db, { personId, now: input.now });
  return {
    ok: true,
    onCall: await onCallStatus(db, { personId, now: input.now }),
    effects: [
      ...offersClosed(closed),
      { kind: "onCallChanged", personId },
      { kind: "talkQueueMoved" },
      { kind: "matchTalk" },
    ],
  };
}

/** A volunteer's on-call page (re)connects: where they are; an open page while on call keeps them reachable. */
export async function syncOnCall(
  handle: Db,
  input: { actor: Actor; page: TalkPage; now: Date },
): Promise<TalkOutcome<{ personId: string; onCall: OnCallStatus }>> {
  const db = client(handle);
  const personId = volunteerOf(input.actor);
  if (!personId) return refuse("forbidden", ONLY_VOLUNTEERS);
  const onCall = await onCallStatus(db, { personId, now: input.now });
  if (!onCall.onCall) return { ok: true, personId, onCall, effects: [] };
  await touchOnCallPresence(db, { ...input.page, personId, now: input.now });
  return { ok: true, personId, onCall, effects: [{ kind: "matchTalk" }] };
}

/** A volunteer accepts the offer made to them: the call starts. */
export async function acceptTalkOffer(
  handle: Db,
  input: { actor: Actor; offerId: string; now: Date },
): Promise<TalkOutcome<{ callId: string }>> {
  const db = client(handle);
  const volunteerId = volunteerOf(input.actor);
  if (!volunteerId) return refuse("forbidden", ONLY_VOLUNTEERS);
  const r = await acceptOffer(db, { offerId: input.offerId, volunteerId, now: input.now });
  if (!r.ok) return r;
  return {
    ok: true,
    callId: r.callId,
    effects: [
      { kind: "talkAccepted", offerId: input.offerId, volunteerId, requester: r.requester, callId: r.callId },
      { kind: "talkQueueMoved" },
      { kind: "onCallWaitingChanged" },
    ],
  };
}

/** A volunteer says no: the request waits again and goes to the next volunteer. */
export async function declineTalkOffer(
  handle: Db,
  input: { actor: Actor; offerId: string; now: Date },
): Promise<TalkOutcome> {
  const db = client(handle);
  const volunteerId = volunteerOf(input.actor);
  if (!volunteerId) return refuse("forbidden", ONLY_VOLUNTEERS);
  const r = await declineOffer(db, { offerId: input.offerId, volunteerId, now: input.now });
  if (!r.ok) return r;
  return { ok: true, effects: [...offersClosed(r.closed), { kind: "matchTalk" }] };
}

type Side = "worker" | "volunteer";

/**
 * Either side opens their call page: only the two people in it, anyone else
 * "not found". While the call is on, this page counts as being in it (the
 * other side sees them arrive); once ended, it only shows how it ended.
 */
export async function joinCall(
  handle: Db,
  input: { actor: Actor; callId: string; page: TalkPage; now: Date },
): Promise<TalkOutcome<{ side: Side; active: boolean; identity: Identity; call: Omit<CallView, "me"> }>> {
  const db = client(handle);
  const identity = identityOf(input.actor);
  const side = await callSide(db, { callId: input.callId, identity });
  if (!side || !identity) return refuse("not_found", "That call could not be found.");
  const active = side.status === "ACTIVE";
  if (active) await touchCallPresence(db, { ...input.page, callId: input.callId, side: side.side, now: input.now });
  const view = await loadCallView(db, input.callId, input.now);
  if (!view) return refuse("not_found", "That call could not be found.");
  const effects: TalkEffect[] = active ? [{ kind: "callState", callId: input.callId, view }] : [];
  return { ok: true, side: side.side, active, identity, call: view, effects };
}

/** Either side ends the call, once: both sides are told, the audio room closes, the volunteer is free. */
export async function hangUp(
  handle: Db,
  input: { actor: Actor; callId: string; now: Date },
): Promise<TalkOutcome<{ side: Side }>> {
  const db = client(handle);
  const side = await callSide(db, { callId: input.callId, identity: identityOf(input.actor) });
  if (!side) return refuse("not_found", "Join the call first.");
  const r = await endCall(db, { callId: input.callId, side: side.side, now: input.now });
  if (!r.ok) return r;
  const view = await loadCallView(db, input.callId, input.now);
  return {
    ok: true,
    side: side.side,
    effects: [
      { kind: "callEnded", callId: input.callId, view, by: side.side },
      { kind: "onCallChanged", personId: r.volunteerId },
      { kind: "matchTalk" },
    ],
  };
}

/**
 * A talk page's socket went away (no actor: the connection did). Offers
 * that cannot stand without it are withdrawn, waiting workers' places and
 * volunteers' counts move, and a call it was in shows who is left.
 */
export async function leaveTalkPage(
  handle: Db,
  input: { socketId: string; wasWaiting: boolean; now: Date },
): Promise<{ effects: TalkEffect[] }> {
  const db = client(handle);
  const { closed, callIds } = await dropTalkPresence(db, { socketId: input.socketId, now: input.now });
  const effects: TalkEffect[] = offersClosed(closed);
  // Positions count only workers who are here: those behind move up (and back if this one returns).
  if (input.wasWaiting) effects.push({ kind: "talkQueueMoved" }, { kind: "onCallWaitingChanged" });
  for (const callId of callIds) {
    const view = await loadCallView(db, callId, input.now);
    if (view) effects.push({ kind: "callState", callId, view });
  }
  if (closed.length > 0) effects.push({ kind: "matchTalk" });
  return { effects };
}

/**
 * One pass of the matcher (every node runs it each second and on `matchTalk`):
 * what it did, for logs, and what each page concerned must hear.
 */
export async function runTalkMatcher(
  handle: Db,
  now: Date,
  options: { abandonAfterMs?: number | undefined } = {},
): Promise<{ result: DispatchResult; effects: TalkEffect[] }> {
  const db = client(handle);
  const r = await dispatchOffers(db, now, options);
  const effects: TalkEffect[] = offersClosed(r.closed);
  for (const o of r.offered) {
    // A pushed offer expires with the offer, which still passes on at its timeout.
    const answerWithinSeconds = Math.max(1, Math.round((Date.parse(o.offer.expiresAt) - now.getTime()) / 1000));
    effects.push({ kind: "talkOfferMade", ...o, answerWithinSeconds });
  }
  for (const personId of r.offCall) effects.push({ kind: "onCallChanged", personId });
  if (r.left.length > 0) {
    // Closed after the grace: the queue moved up, and volunteers see fewer waiting.
    effects.push({ kind: "onCallWaitingChanged" });
    for (const requester of r.left) effects.push({ kind: "talkRequestChanged", requester });
  }
  for (const callId of r.abandoned) {
    effects.push({ kind: "callAudioClosed", callId });
    const view = await loadCallView(db, callId, now);
    if (view) effects.push({ kind: "callState", callId, view });
  }
  if (r.closed.length + r.offered.length + r.left.length > 0) effects.push({ kind: "talkQueueMoved" });
  return { result: r, effects };
}
