import type { Actor } from "../access/can.js";

/**
 * The one home of the strings that name an identity or a Socket.IO channel.
 * An identity channel ("person:<id>", "guest:<id>", "visitor:<key>") reaches
 * every socket of one person, guest or anonymous visitor; the others reach a
 * live room, one member's sockets in it, a 1:1 call or one side of it.
 * Nowhere else builds these strings (ESLint's no-restricted-syntax says so), and
 * none of them is a database value: stored rows hold ids.
 */

export type IdentityKind = "person" | "guest" | "visitor";

export const personChannel = (personId: string) => `person:${personId}`;
export const guestChannel = (guestId: string) => `guest:${guestId}`;
export const visitorChannel = (visitorKey: string) => `visitor:${visitorKey}`;

/**
 * Who someone is, as data: a signed-in person or a guest (an anonymous
 * visitor has no stable identity). This, not a channel name, is what use
 * cases take and what the database stores (as a person id or a guest id).
 */
export type Identity = { kind: "person"; id: string } | { kind: "guest"; id: string };

/** The identity of a signed-in person or a guest; null for an anonymous visitor. */
export const identityOf = (actor: Actor): Identity | null =>
  actor.kind === "person"
    ? { kind: "person", id: actor.personId }
    : actor.kind === "guest"
      ? { kind: "guest", id: actor.guestId }
      : null;

/** The channel that reaches every socket of one identity (and the key its aliases are derived from). */
export const channelOf = (identity: Identity): string =>
  identity.kind === "person" ? personChannel(identity.id) : guestChannel(identity.id);

/** The identity whose channel this is, or null for any other channel (a visitor's, a room's, a call's). */
export function identityOfChannel(channel: string): Identity | null {
  const parsed = parseIdentity(channel);
  return parsed && parsed.kind !== "visitor" && parsed.id ? { kind: parsed.kind, id: parsed.id } : null;
}

export const sameIdentity = (a: Identity | null, b: Identity | null): boolean =>
  !!a && !!b && a.kind === b.kind && a.id === b.id;

/** The identity channel of a signed-in person or a guest; null for an anonymous visitor (no stable identity). */
export const identityRoomFor = (actor: Actor): string | null => {
  const identity = identityOf(actor);
  return identity && channelOf(identity);
};

/** An identity channel split into its kind and id (the ticket's subject is one), or null if it is not one. */
export function parseIdentity(key: string): { kind: IdentityKind; id: string } | null {
  const at = key.indexOf(":");
  const kind = key.slice(0, at);
  if (at <= 0 || (kind !== "person" && kind !== "guest" && kind !== "visitor")) return null;
  return { kind, id: key.slice(at + 1) };
}

/** The person behind an identity key made by identityRoomFor, or null for a guest or visitor. */
export const personIdOfIdentity = (key: string): string | null => {
  const identity = parseIdentity(key);
  return identity?.kind === "person" ? identity.id : null;
};

/** Rooms every node understands. */
export const PUBLIC_ROOM = "public";
/** Volunteers and coordinators: rota changes. Nothing in it names anyone. */
export const ROTA_ROOM = "rota";

/**
 * The sockets of pages showing one session's places (its page asks with
 * dropin:watch): who is in its room changed. Only they hear it, so a join does
 * not cost a message to every connected socket.
 */
export const dropinWatchChannel = (occurrenceId: string) => `watch:${occurrenceId}`;
/** Sessions one socket may watch at once (a page shows one; a few tabs share a socket). */
export const MAX_WATCHED_DROPINS = 8;

/** Every socket in one live room. */
export const roomChannel = (occurrenceId: string) => `room:${occurrenceId}`;
/** One member's sockets in a live room (by their alias there). */
export const roomMemberChannel = (occurrenceId: string, memberId: string) => `room:${occurrenceId}:${memberId}`;
/** Both sides' sockets in one 1:1 call (realtime joins them; web tells them when a call ends outside realtime). */
export const callChannel = (callId: string) => `call:${callId}`;
/** One side's sockets in a 1:1 call. */
export const callSideChannel = (callId: string, side: "worker" | "volunteer") => `call:${callId}:${side}`;
