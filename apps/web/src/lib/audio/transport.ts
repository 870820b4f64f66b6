/**
 * The one seam between a live room and whatever carries its audio: the
 * embedded WebRTC mesh (small rooms, no extra server) or LiveKit (production,
 * scales). The room page talks only to this interface.
 *
 * Plain TypeScript, no Svelte runes: a `.svelte.ts` wrapper can mirror
 * `subscribe()` into `$state` without this file knowing about Svelte.
 */

export interface JoinOptions {
  /** Hear the room without ever asking for the microphone. */
  listenOnly: boolean;
  /** Take the microphone but send silence until `setMuted(false)`. */
  startMuted: boolean;
}

/**
 * - `idle`: not joined (before `join`, or after `leave`).
 * - `connecting`: `join` is running (microphone prompt, first connection).
 * - `connected`: in the room; every peer link that exists is up or coming up.
 * - `reconnecting`: in the room, but at least one link dropped and is being restored.
 * - `unavailable`: joined, but the media server could not be reached yet; retrying.
 * - `failed`: the transport gave up (refused by the media server, removed, or the room closed).
 */
export type AudioConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "unavailable" | "failed";

/** Per-peer link state, as RTCPeerConnection names it. */
export type PeerLinkState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

export interface AudioParticipant {
  /** The participant id the room uses (the same id the signaller or token carries). */
  id: string;
  link: PeerLinkState;
  /** Their audio is arriving above the speaking threshold right now. */
  speaking: boolean;
  /** This browser refuses to play their audio (an enforced facilitator mute). */
  blocked: boolean;
}

export interface AudioSnapshot {
  state: AudioConnectionState;
  /** Our own microphone state; always true when listening only. */
  muted: boolean;
  listenOnly: boolean;
  /** Our own microphone is above the speaking threshold (false while muted). */
  speaking: boolean;
  /**
   * The browser refused to start playback without a user gesture: show a
   * "Tap to hear the room" button that calls `startAudio()`.
   */
  playbackBlocked: boolean;
  participants: AudioParticipant[];
}

/** What arrived from one peer, read from `getStats()` (inbound-rtp, kind audio). */
export interface PeerAudioStats {
  peerId: string;
  bytesReceived: number;
  packetsReceived: number;
  /** Sum of squared sample levels times duration, after this browser's output gain (0 when blocked). */
  totalAudioEnergy: number;
  totalSamplesDuration: number;
  /** Recent level, 0..1. */
  audioLevel: number;
}

export type AudioListener = (snapshot: AudioSnapshot) => void;

export interface AudioTransport {
  readonly kind: "mesh" | "livekit";
  /**
   * Asks for the microphone (unless `listenOnly`) and connects. Rejects with
   * an `AudioJoinError` for expected refusals (room full for the mesh, microphone
   * denied or missing). The microphone is never requested before this call.
   */
  join(options: JoinOptions): Promise<void>;
  /** Hangs up every link, releases the microphone and removes audio elements. */
  leave(): Promise<void>;
  /**
   * Mutes or unmutes our microphone. Unmuting after a listen-only join asks
   * for the microphone then (and may reject with an `AudioJoinError`).
   */
  setMuted(muted: boolean): Promise<void>;
  /**
   * Stops playing this participant's audio in this browser and keeps it
   * stopped, across their reconnects, until `unblockPeer`. This is how a
   * facilitator's mute is enforced rather than merely requested.
   */
  blockPeer(id: string): void;
  unblockPeer(id: string): void;
  /** Retries playback after `playbackBlocked`; call it from a click handler. */
  startAudio(): Promise<void>;
  snapshot(): AudioSnapshot;
  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: AudioListener): () => void;
  /** Inbound audio per peer, for tests and diagnostics. */
  stats(): Promise<PeerAudioStats[]>;
}

export type AudioJoinErrorCode =
  | "mesh_full"
  | "microphone_denied"
  | "microphone_unavailable"
  | "already_joined"
  | "server_unreachable"
  | "not_allowed";

/** Expected reasons a join (or an unmute after listen-only) is refused; `message` is fit to show. */
export class AudioJoinError extends Error {
  override readonly name = "AudioJoinError";
  constructor(
    readonly code: AudioJoinErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isAudioJoinError(error: unknown): error is AudioJoinError {
  return error instanceof AudioJoinError;
}

/** RMS level (0..1) above which a participant counts as speaking (about -40 dBFS). */
export const SPEAKING_RMS_THRESHOLD = 0.01;
/** How long speaking stays lit after the level drops, so it does not flicker between words. */
export const SPEAKING_HOLD_MS = 600;

/**
 * Microphone constraints: voice processing on, no video. Shared so both
 * transports ask the same way.
 */
export const MICROPHONE_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: false,
};

/** Turns a getUserMedia rejection into the error a person can act on. */
export function microphoneError(error: unknown): AudioJoinError {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return new AudioJoinError(
      "microphone_denied",
      "Your browser did not allow the microphone. You can still join and listen, or allow it in the browser's site settings.",
    );
  }
  return new AudioJoinError("microphone_unavailable", "No microphone could be opened. You can still join and listen.");
}

/**
 * The participants as every transport's snapshot shows them, in id order: a
 * peer this browser blocks (an enforced facilitator mute) is never shown speaking.
 */
export function audioParticipants(
  peers: Iterable<{ id: string; link: PeerLinkState; speaking: boolean }>,
  blocked: ReadonlySet<string>,
): AudioParticipant[] {
  return [...peers]
    .map(({ id, link, speaking }) => ({ id, link, speaking: speaking && !blocked.has(id), blocked: blocked.has(id) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Tiny observable used by the implementations. */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Adds `listener` and tells it `current` at once: what a transport's `subscribe` promises. */
  subscribe(listener: (value: T) => void, current: T): () => void {
    const unsubscribe = this.add(listener);
    listener(current);
    return unsubscribe;
  }
  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        // One broken subscriber must not stop the others hearing about the change.
        console.error(error);
      }
    }
  }
  clear(): void {
    this.#listeners.clear();
  }
}

/**
 * Speaking detection from cumulative energy counters (WebRTC's
 * totalAudioEnergy/totalSamplesDuration): mean power over the last interval,
 * with a hold so the indicator does not flicker between syllables.
 */
export class SpeakingDetector {
  #energy = 0;
  #duration = 0;
  #lastLoudAt = -Infinity;

  constructor(
    readonly threshold = SPEAKING_RMS_THRESHOLD,
    readonly holdMs = SPEAKING_HOLD_MS,
  ) {}

  /** Feed the latest cumulative counters; returns whether the source is speaking at `now`. */
  update(totalAudioEnergy: number, totalSamplesDuration: number, now: number): boolean {
    const energy = totalAudioEnergy - this.#energy;
    const duration = totalSamplesDuration - this.#duration;
    this.#energy = totalAudioEnergy;
    this.#duration = totalSamplesDuration;
    if (duration > 0 && energy >= 0 && Math.sqrt(energy / duration) >= this.threshold) this.#lastLoudAt = now;
    return now - this.#lastLoudAt < this.holdMs;
  }

  reset(): void {
    this.#energy = 0;
    this.#duration = 0;
    this.#lastLoudAt = -Infinity;
  }
}

export interface StatsEntry {
  type: string;
  kind?: string;
  bytesReceived?: number;
  packetsReceived?: number;
  totalAudioEnergy?: number;
  totalSamplesDuration?: number;
  audioLevel?: number;
}

/** Sums inbound audio from one peer's stats report (a peer connection's or one receiver's). */
export function inboundAudio(peerId: string, report: RTCStatsReport): PeerAudioStats {
  const stats: PeerAudioStats = {
    peerId,
    bytesReceived: 0,
    packetsReceived: 0,
    totalAudioEnergy: 0,
    totalSamplesDuration: 0,
    audioLevel: 0,
  };
  report.forEach((entry: StatsEntry) => {
    if (entry.type !== "inbound-rtp" || entry.kind !== "audio") return;
    stats.bytesReceived += entry.bytesReceived ?? 0;
    stats.packetsReceived += entry.packetsReceived ?? 0;
    stats.totalAudioEnergy += entry.totalAudioEnergy ?? 0;
    stats.totalSamplesDuration += entry.totalSamplesDuration ?? 0;
    stats.audioLevel = Math.max(stats.audioLevel, entry.audioLevel ?? 0);
  });
  return stats;
}
