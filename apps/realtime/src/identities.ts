/** A member's alias in one room (one home, in core: web needs it too). */
export { memberAlias } from "@offshift/core";

/** Presence rows vouched for by the audio server (LiveKit), not by one of our sockets. */
export const LIVEKIT_PRESENCE_PREFIX = "livekit:";

/** The presence row a LiveKit connection keeps for a member (beside their sockets' rows). */
export const liveKitPresenceId = (identity: string) => `${LIVEKIT_PRESENCE_PREFIX}${identity}`;

/**
 * The node id on LiveKit's presence rows: no realtime node heartbeats them;
 * the room keeper refreshes them from what the audio server says it holds.
 */
export const LIVEKIT_PRESENCE_NODE = "livekit";
