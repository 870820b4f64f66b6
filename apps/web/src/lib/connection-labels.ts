export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

/** What the header says about the live connection (ConnectionStatus.svelte, and Tonight's script). */
export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: updates paused",
};
