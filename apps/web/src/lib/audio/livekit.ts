import {
  ConnectionState,
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
  inboundAudio,
  microphoneError,
  type AudioConnectionState,
  type AudioListener,
  type AudioParticipant,
  type AudioSnapshot,
  type AudioTransport,
  type JoinOptions,
  type PeerAudioStats,
} from "./transport.js";

export interface LiveKitTransportOptions {
  /** `LIVEKIT_URL` as the browser reaches it (wss://…). */
  url: string;
  /** A room-scoped token minted by realtime (short TTL), or a way to fetch a fresh one at join. */
  token: string | (() => Promise<string>);
  /** Where the <audio> elements live (default `document.body`). */
  audioContainer?: HTMLElement;
}

const CAPTURE = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/**
 * The production path: audio through a LiveKit SFU. Participant ids are
 * LiveKit identities (realtime mints tokens with the room's participant id).
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
  #leaving = false;

  constructor(options: LiveKitTransportOptions) {
    this.#options = options;
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.#state !== "idle") throw new AudioJoinError("already_joined", "Already in this room's audio.");
    this.#setState("connecting");
    this.#listenOnly = options.listenOnly;
    this.#muted = options.listenOnly || options.startMuted;
    this.#leaving = false;

    // The microphone first: a refusal then costs no connection.
    if (!options.listenOnly) {
      try {
        this.#micTrack = await createLocalAudioTrack(CAPTURE);
      } catch (error) {
        this.#setState("idle");
        throw microphoneError(error);
      }
    }

    const room = new Room({
      // iOS suspends Web Audio when the screen locks (client-sdk-js #1116): play
      // through plain <audio> elements attached to the DOM instead.
      webAudioMix: false,
      adaptiveStream: false,
      dynacast: false,
      disconnectOnPageLeave: true,
      audioCaptureDefaults: CAPTURE,
    });
    this.#room = room;
    this.#wire(room);
    try {
      const token = typeof this.#options.token === "string" ? this.#options.token : await this.#options.token();
      await room.connect(this.#options.url, token, { autoSubscribe: true });
    } catch (error) {
      await this.leave();
      throw new AudioJoinError(
        "server_unreachable",
        `Could not reach the audio server (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
    if (this.#micTrack) {
      if (this.#muted) await this.#micTrack.mute();
      await room.localParticipant.publishTrack(this.#micTrack, { source: Track.Source.Microphone });
    }
    this.#setState(mapState(room.state));
  }

  async leave(): Promise<void> {
    if (this.#state === "idle" && !this.#room) return;
    this.#leaving = true;
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
    const room = this.#room;
    if (!room || this.#state === "connecting") throw new Error("audio: setMuted before join finished");
    if (!muted && !this.#micTrack) {
      // Joined to listen, now wants to talk: ask for the microphone now.
      try {
        this.#micTrack = await createLocalAudioTrack(CAPTURE);
      } catch (error) {
        throw microphoneError(error);
      }
      await room.localParticipant.publishTrack(this.#micTrack, { source: Track.Source.Microphone });
      this.#listenOnly = false;
    } else if (this.#micTrack) {
      if (muted) await this.#micTrack.mute();
      else await this.#micTrack.unmute();
    }
    this.#muted = muted;
    this.#emit();
  }

  blockPeer(id: string): void {
    this.#blocked.add(id);
    const participant = this.#room?.remoteParticipants.get(id);
    if (participant) for (const publication of audioPublications(participant)) this.#applyBlock(id, publication);
    this.#emit();
  }

  unblockPeer(id: string): void {
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
    const participants: AudioParticipant[] = room
      ? [...room.remoteParticipants.values()]
          .map((p) => ({
            id: p.identity,
            link: room.state === ConnectionState.Connected ? ("connected" as const) : ("connecting" as const),
            speaking: this.#speakers.has(p.identity) && !this.#blocked.has(p.identity),
            blocked: this.#blocked.has(p.identity),
          }))
          .sort((a, b) => a.id.localeCompare(b.id))
      : [];
    const self = room?.localParticipant.identity;
    return {
      state: this.#state,
      muted: this.#muted,
      listenOnly: this.#listenOnly,
      speaking: !this.#muted && self !== undefined && this.#speakers.has(self),
      playbackBlocked: room ? !room.canPlaybackAudio : false,
      participants,
    };
  }

  subscribe(listener: AudioListener): () => void {
    const unsubscribe = this.#listeners.add(listener);
    listener(this.snapshot());
    return unsubscribe;
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
      .on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
        if (this.#state !== "connecting") this.#setState(mapState(state));
      })
      .on(RoomEvent.Disconnected, () => {
        // Removed by a facilitator, the room ended, or the network is gone for good.
        if (!this.#leaving) this.#setState("failed");
      });
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

  #setState(state: AudioConnectionState): void {
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

function mapState(state: ConnectionState): AudioConnectionState {
  switch (state) {
    case ConnectionState.Connected:
      return "connected";
    case ConnectionState.Connecting:
      return "connecting";
    case ConnectionState.Reconnecting:
    case ConnectionState.SignalReconnecting:
      return "reconnecting";
    case ConnectionState.Disconnected:
      return "idle";
  }
}
