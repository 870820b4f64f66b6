import {
  ConnectionError,
  ConnectionErrorReason,
  DisconnectReason,
  Room,
  RoomEvent,
  Track,
  createLocalAudioTrack,
  type LocalAudioTrack,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
} from "livekit-client";
import {
  AudioJoinError,
  Listeners,
  audioParticipants,
  inboundAudio,
  microphoneError,
  type AudioConnectionState,
  type AudioListener,
  type AudioSnapshot,
  type AudioTransport,
  type JoinOptions,
  type PeerAudioStats,
} from "./transport.js";

export interface LiveKitTransportOptions {
  /** `LIVEKIT_URL` as the browser reaches it (wss://…). */
  url: string;
  /**
   * A room-scoped token minted by realtime (short TTL), or a way to fetch one.
   * A function is called for every full connection (the first and each rejoin),
   * so each carries the member's rights at that moment. When it rejects, the
   * room has not let us back in: the transport stops trying.
   */
  token: string | (() => Promise<string>);
  /** Where the <audio> elements live (default `document.body`). */
  audioContainer?: HTMLElement;
  /** Waits between full rejoins, in ms; the last repeats (default 1, 2, 4, 8 then every 10 s). */
  retryDelaysMs?: readonly number[];
}

const CAPTURE = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 10_000] as const;
/**
 * LiveKit's own resume (then its own restart with the same token) runs first,
 * retrying quickly for this long; after that, Disconnected and our full rejoin
 * with a fresh token from realtime take over.
 */
const RESUME_FOR_MS = 20_000;
/** Why the server may end our connection for good: no rejoin after these. */
const FINAL_DISCONNECTS = new Set<DisconnectReason | undefined>([
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.DUPLICATE_IDENTITY,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
]);

/** A short pause; `cancelled` resolves it early. */
function pause(ms: number, cancelled: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void cancelled.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The production path: audio through a LiveKit SFU. Participant ids are
 * LiveKit identities (realtime mints tokens with the room's participant id).
 *
 * Staying connected: LiveKit's client resumes a dropped connection by itself
 * (state `reconnecting`). If it gives up (the server restarted, the network
 * was gone too long), we rejoin from scratch with a fresh token, backing off,
 * until it works or `leave()`. If the server cannot be reached at `join`, the
 * join still succeeds in state `unavailable` and keeps trying the same way:
 * the rest of the room (chat, hands) does not wait for the audio.
 */
export class LiveKitTransport implements AudioTransport {
  readonly kind = "livekit" as const;

  readonly #options: LiveKitTransportOptions;
  readonly #listeners = new Listeners<AudioSnapshot>();
  readonly #blocked = new Set<string>();
  /** Elements we attached, per identity, so blocking and leaving can take them out of the DOM. */
  readonly #elements = new Map<string, Set<HTMLMediaElement>>();

  #room: Room | null = null;
  #state: AudioConnectionState = "idle";
  #listenOnly = false;
  #muted = true;
  #micTrack: LocalAudioTrack | null = null;
  #speakers = new Set<string>();
  /** Resolves when leave() is called: ends retry waits at once. */
  #left: Promise<void> = Promise.resolve();
  #signalLeft: () => void = () => undefined;
  #rejoining = false;

  constructor(options: LiveKitTransportOptions) {
    this.#options = options;
  }

  /** The LiveKit room while connected (tests call its API directly to prove what the server refuses). */
  get room(): Room | null {
    return this.#room;
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.#state !== "idle") throw new AudioJoinError("already_joined", "Already in this room's audio.");
    this.#setState("connecting");
    this.#listenOnly = options.listenOnly;
    this.#muted = options.listenOnly || options.startMuted;
    this.#left = new Promise((resolve) => (this.#signalLeft = resolve));

    // The microphone first: a refusal then costs no connection.
    if (!options.listenOnly) {
      try {
        this.#micTrack = await createLocalAudioTrack(CAPTURE);
      } catch (error) {
        this.#setState("idle");
        throw microphoneError(error);
      }
    }

    const outcome = await this.#connectOnce();
    if (outcome === "connected") return;
    if (outcome === "refused") {
      await this.leave();
      throw new AudioJoinError("not_allowed", "The room did not let this device into its audio.");
    }
    // The server is unreachable (down, restarting, blocked): say so and keep trying.
    this.#setState("unavailable");
    void this.#rejoinLoop();
  }

  async leave(): Promise<void> {
    if (this.#state === "idle" && !this.#room) return;
    this.#signalLeft();
    const room = this.#room;
    this.#room = null;
    if (room) {
      room.removeAllListeners();
      await room.disconnect();
    }
    for (const identity of [...this.#elements.keys()]) this.#detach(identity);
    this.#micTrack?.stop();
    this.#micTrack = null;
    this.#speakers.clear();
    this.#setState("idle");
  }

  async setMuted(muted: boolean): Promise<void> {
    if (this.#state === "idle" || this.#state === "connecting") throw new Error("audio: setMuted before join finished");
    const room = this.#room;
    if (!muted && !this.#micTrack) {
      // Joined to listen, now wants to talk: ask for the microphone now.
      try {
        this.#micTrack = await createLocalAudioTrack(CAPTURE);
      } catch (error) {
        throw microphoneError(error);
      }
      this.#listenOnly = false;
      if (room) await this.#publish(room);
    } else if (this.#micTrack) {
      if (muted) await this.#micTrack.mute();
      else await this.#micTrack.unmute();
    }
    this.#muted = muted;
    this.#emit();
  }

  blockPeer(id: string): void {
    if (this.#blocked.has(id)) return;
    this.#blocked.add(id);
    const participant = this.#room?.remoteParticipants.get(id);
    if (participant) for (const publication of audioPublications(participant)) this.#applyBlock(id, publication);
    this.#emit();
  }

  unblockPeer(id: string): void {
    if (!this.#blocked.has(id)) return;
    this.#blocked.delete(id);
    const participant = this.#room?.remoteParticipants.get(id);
    if (participant) for (const publication of audioPublications(participant)) this.#applyBlock(id, publication);
    this.#emit();
  }

  async startAudio(): Promise<void> {
    await this.#room?.startAudio();
    this.#emit();
  }

  snapshot(): AudioSnapshot {
    const room = this.#room;
    const link =
      this.#state === "connected"
        ? ("connected" as const)
        : this.#state === "connecting"
          ? ("connecting" as const)
          : ("disconnected" as const);
    const peers = [...(room?.remoteParticipants.values() ?? [])].map((p) => ({
      id: p.identity,
      link,
      speaking: this.#speakers.has(p.identity),
    }));
    const self = room?.localParticipant.identity;
    return {
      state: this.#state,
      muted: this.#muted,
      listenOnly: this.#listenOnly,
      speaking: !this.#muted && self !== undefined && this.#speakers.has(self),
      playbackBlocked: room ? !room.canPlaybackAudio : false,
      participants: audioParticipants(peers, this.#blocked),
    };
  }

  subscribe(listener: AudioListener): () => void {
    return this.#listeners.subscribe(listener, this.snapshot());
  }

  async stats(): Promise<PeerAudioStats[]> {
    const room = this.#room;
    if (!room) return [];
    const all = await Promise.all(
      [...room.remoteParticipants.values()].map(async (participant) => {
        const totals: PeerAudioStats = {
          peerId: participant.identity,
          bytesReceived: 0,
          packetsReceived: 0,
          totalAudioEnergy: 0,
          totalSamplesDuration: 0,
          audioLevel: 0,
        };
        for (const publication of audioPublications(participant)) {
          const receiver = publication.track?.receiver;
          if (!receiver) continue;
          const one = inboundAudio(participant.identity, await receiver.getStats());
          totals.bytesReceived += one.bytesReceived;
          totals.packetsReceived += one.packetsReceived;
          totals.totalAudioEnergy += one.totalAudioEnergy;
          totals.totalSamplesDuration += one.totalSamplesDuration;
          totals.audioLevel = Math.max(totals.audioLevel, one.audioLevel);
        }
        return totals;
      }),
    );
    return all.sort((a, b) => a.peerId.localeCompare(b.peerId));
  }

  // ---------------------------------------------------------------------------

  /**
   * One full connection: a fresh token, a new Room, our microphone published.
   * "refused": the token was refused or could not be had (removed, not allowed);
   * "unreachable": worth trying again later.
   */
  async #connectOnce(): Promise<"connected" | "refused" | "unreachable" | "left"> {
    let token: string;
    try {
      token = typeof this.#options.token === "string" ? this.#options.token : await this.#options.token();
    } catch {
      return "refused";
    }
    if (this.#gone()) return "left";
    const room = new Room({
      // iOS suspends Web Audio when the screen locks (client-sdk-js #1116): play
      // through plain <audio> elements attached to the DOM instead.
      webAudioMix: false,
      adaptiveStream: false,
      dynacast: false,
      disconnectOnPageLeave: true,
      audioCaptureDefaults: CAPTURE,
      // Our microphone outlives any one connection: a rejoin publishes the same track.
      stopLocalTrackOnUnpublish: false,
      reconnectPolicy: {
        nextRetryDelayInMs: ({ retryCount, elapsedMs }) =>
          elapsedMs > RESUME_FOR_MS ? null : Math.min(300 * retryCount, 1500),
      },
    });
    this.#wire(room);
    try {
      await room.connect(this.#options.url, token, { autoSubscribe: true });
    } catch (error) {
      room.removeAllListeners();
      await room.disconnect().catch(() => undefined);
      const notAllowed = error instanceof ConnectionError && error.reason === ConnectionErrorReason.NotAllowed;
      return notAllowed ? "refused" : "unreachable";
    }
    if (this.#gone()) {
      // leave() ran while we were connecting.
      room.removeAllListeners();
      await room.disconnect();
      return "left";
    }
    this.#room = room;
    await this.#publish(room);
    for (const participant of room.remoteParticipants.values())
      for (const publication of audioPublications(participant)) this.#applyBlock(participant.identity, publication);
    this.#setState("connected");
    return "connected";
  }

  /** Publishes our microphone, unless the room has taken away our right to (a facilitator's mute). */
  async #publish(room: Room): Promise<void> {
    const track = this.#micTrack;
    if (!track) return;
    if (track.mediaStreamTrack.readyState === "ended") await track.restartTrack(CAPTURE);
    if (room.localParticipant.permissions?.canPublish === false) return;
    if (this.#muted) await track.mute();
    try {
      await room.localParticipant.publishTrack(track, { source: Track.Source.Microphone });
    } catch (error) {
      // Refused by the server (no right to publish): we stay in the room, listening.
      console.warn("audio: the microphone could not be published", error);
    }
  }

  /** Full rejoins with fresh tokens, backing off, until connected, refused or left. */
  async #rejoinLoop(): Promise<void> {
    if (this.#rejoining) return;
    this.#rejoining = true;
    const delays = this.#options.retryDelaysMs ?? RETRY_DELAYS_MS;
    try {
      for (let attempt = 0; ; attempt++) {
        const delay = delays[Math.min(attempt, delays.length - 1)] ?? 10_000;
        // A little jitter so a room full of people does not come back in lockstep.
        await pause(delay * (0.8 + Math.random() * 0.4), this.#left);
        if (this.#gone()) return;
        const outcome = await this.#connectOnce();
        if (outcome === "connected" || outcome === "left") return;
        if (outcome === "refused") {
          this.#setState("failed");
          return;
        }
      }
    } finally {
      this.#rejoining = false;
    }
  }

  #wire(room: Room): void {
    room
      .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, publication, participant) => {
        if (track.kind !== Track.Kind.Audio) return;
        this.#applyBlock(participant.identity, publication);
        this.#emit();
      })
      .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack, _publication, participant) => {
        for (const element of track.detach()) this.#forget(participant.identity, element);
        this.#emit();
      })
      .on(RoomEvent.ParticipantConnected, () => this.#emit())
      .on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
        this.#detach(participant.identity);
        this.#emit();
      })
      .on(RoomEvent.ActiveSpeakersChanged, (speakers: Participant[]) => {
        this.#speakers = new Set(speakers.map((s) => s.identity));
        this.#emit();
      })
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.#emit())
      .on(RoomEvent.ParticipantPermissionsChanged, () => {
        // The server took away our right to publish (a facilitator's mute): we are muted now.
        if (room.localParticipant.permissions?.canPublish === false && !this.#muted) {
          this.#muted = true;
          void this.#micTrack?.mute();
        }
        this.#emit();
      })
      .on(RoomEvent.Reconnecting, () => this.#reconnecting(room))
      .on(RoomEvent.SignalReconnecting, () => this.#reconnecting(room))
      .on(RoomEvent.Reconnected, () => {
        if (this.#room === room) this.#setState("connected");
      })
      .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
        if (this.#room !== room) return;
        this.#room = null;
        room.removeAllListeners();
        for (const identity of [...this.#elements.keys()]) this.#detach(identity);
        this.#speakers.clear();
        if (this.#state === "idle") return;
        if (FINAL_DISCONNECTS.has(reason)) {
          // Removed by a facilitator, the room ended, or this person joined elsewhere.
          this.#setState("failed");
          return;
        }
        // LiveKit's own resume gave up (e.g. the server restarted): rejoin from scratch.
        this.#setState("reconnecting");
        void this.#rejoinLoop();
      });
  }

  /** Nobody is heard while the link is down: speaking indicators must not stay lit from before. */
  #reconnecting(room: Room): void {
    if (this.#room !== room) return;
    this.#speakers.clear();
    this.#setState("reconnecting");
  }

  #applyBlock(identity: string, publication: RemoteTrackPublication): void {
    const blocked = this.#blocked.has(identity);
    // Stops the SFU forwarding their audio to us at all, and nothing is left to play it.
    publication.setEnabled(!blocked);
    const track = publication.track;
    if (!track) return;
    if (blocked) {
      track.mediaStreamTrack.enabled = false;
      for (const element of track.detach()) this.#forget(identity, element);
    } else {
      track.mediaStreamTrack.enabled = true;
      if (track.attachedElements.length > 0) return;
      const element = track.attach(); // the SDK sets autoplay and playsinline
      element.hidden = true;
      element.dataset.audioPeer = identity;
      (this.#options.audioContainer ?? document.body).append(element);
      const set = this.#elements.get(identity) ?? new Set();
      set.add(element);
      this.#elements.set(identity, set);
    }
  }

  #forget(identity: string, element: HTMLMediaElement): void {
    element.remove();
    this.#elements.get(identity)?.delete(element);
  }

  #detach(identity: string): void {
    for (const element of this.#elements.get(identity) ?? []) {
      element.srcObject = null;
      element.remove();
    }
    this.#elements.delete(identity);
  }

  /** leave() has run (read fresh: it can happen during any await). */
  #gone(): boolean {
    return this.#state === "idle";
  }

  #setState(state: AudioConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit();
  }

  #emit(): void {
    this.#listeners.emit(this.snapshot());
  }
}

function audioPublications(participant: RemoteParticipant): RemoteTrackPublication[] {
  return [...participant.audioTrackPublications.values()];
}
