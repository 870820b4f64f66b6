import {
  AudioJoinError,
  Listeners,
  MICROPHONE_CONSTRAINTS,
  SpeakingDetector,
  audioParticipants,
  inboundAudio,
  microphoneError,
  type AudioConnectionState,
  type AudioListener,
  type AudioSnapshot,
  type AudioTransport,
  type JoinOptions,
  type PeerAudioStats,
  type PeerLinkState,
  type StatsEntry,
} from "./transport.js";

/**
 * Most people one room can hold on the embedded mesh. Every participant
 * sends their voice to every other one, so upload grows with the room; six
 * is still comfortable on a phone on 4G. Bigger rooms need LiveKit.
 */
export const MESH_MAX_PARTICIPANTS = 6;

export const MESH_FULL_MESSAGE =
  `This room already has ${MESH_MAX_PARTICIPANTS} people talking, the most the built-in audio can carry. ` +
  "Bigger rooms need a LiveKit server: ask the organisers to set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET.";

/**
 * What peers send each other through the signaller. `session` identifies the
 * sender's current join (it changes when they leave and come back), `to` the
 * recipient's, so messages meant for an earlier connection are dropped.
 */
export type MeshSignal =
  | { kind: "hello"; session: string }
  | { kind: "welcome"; session: string; to: string }
  | { kind: "bye"; session: string }
  | { kind: "description"; session: string; to: string; description: RTCSessionDescriptionInit }
  | { kind: "candidate"; session: string; to: string; candidate: RTCIceCandidateInit };

/**
 * How the mesh reaches other participants; the room wires it to Socket.IO
 * (the mesh never imports it). The server relays `send(to, signal)` to
 * participant `to` as `onSignal(from, signal)`, with `from` set by the server
 * from the authenticated sender, never taken from the payload.
 */
export interface Signaller {
  /** Our participant id in the room. */
  readonly selfId: string;
  /** The other participants in the room's audio right now (ours excluded or not: both work). */
  peers(): readonly string[];
  send(to: string, signal: MeshSignal): void;
  onSignal(listener: (from: string, signal: MeshSignal) => void): () => void;
  /** A participant left the room (or was removed): their link is torn down without waiting for a goodbye. */
  onPeerLeft(listener: (id: string) => void): () => void;
}

export interface MeshTransportOptions {
  signaller: Signaller;
  /** STUN/TURN servers from config; empty works on one LAN or localhost only. */
  iceServers?: RTCIceServer[];
  /** Where the hidden <audio> elements live (default `document.body`); they must be in the DOM for iOS. */
  audioContainer?: HTMLElement;
  /** How often levels are read for the speaking indicator. */
  statsIntervalMs?: number;
}

/** Shape check for signals arriving from the network (the server validates too). */
export function isMeshSignal(value: unknown): value is MeshSignal {
  if (typeof value !== "object" || value === null) return false;
  const signal = value as Record<string, unknown>;
  if (typeof signal.session !== "string" || signal.session.length === 0 || signal.session.length > 100) return false;
  switch (signal.kind) {
    case "hello":
    case "bye":
      return true;
    case "welcome":
      return typeof signal.to === "string";
    case "description": {
      const description = signal.description as Record<string, unknown> | null;
      return (
        typeof signal.to === "string" &&
        typeof description === "object" &&
        description !== null &&
        (description.type === "offer" || description.type === "answer" || description.type === "rollback") &&
        (description.sdp === undefined || typeof description.sdp === "string")
      );
    }
    case "candidate":
      return typeof signal.to === "string" && typeof signal.candidate === "object" && signal.candidate !== null;
    default:
      return false;
  }
}

interface PeerLink {
  id: string;
  remoteSession: string;
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  settingRemoteAnswer: boolean;
  /** Signals are applied one at a time, in the order they arrived. */
  queue: Promise<void>;
  track: MediaStreamTrack | null;
  audio: HTMLAudioElement | null;
  detector: SpeakingDetector;
  speaking: boolean;
}

/**
 * Audio-only WebRTC mesh: one RTCPeerConnection to each other participant,
 * negotiated with the "perfect negotiation" pattern so either side may
 * (re)negotiate without glare.
 */
export class MeshTransport implements AudioTransport {
  readonly kind = "mesh" as const;

  readonly #signaller: Signaller;
  readonly #iceServers: RTCIceServer[];
  readonly #audioContainer: HTMLElement | undefined;
  readonly #statsIntervalMs: number;
  readonly #listeners = new Listeners<AudioSnapshot>();
  readonly #links = new Map<string, PeerLink>();
  /** Survives the blocked peer's reconnects and our own rejoins. */
  readonly #blocked = new Set<string>();

  #state: AudioConnectionState = "idle";
  #session = "";
  #listenOnly = false;
  #muted = true;
  #speaking = false;
  #playbackBlocked = false;
  #localStream: MediaStream | null = null;
  #selfDetector = new SpeakingDetector();
  #selfStatsFrom: string | null = null;
  #unsubscribe: (() => void)[] = [];
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #lastEmitted = "";

  constructor(options: MeshTransportOptions) {
    this.#signaller = options.signaller;
    this.#iceServers = options.iceServers ?? [];
    this.#audioContainer = options.audioContainer;
    this.#statsIntervalMs = options.statsIntervalMs ?? 250;
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.#state !== "idle") throw new AudioJoinError("already_joined", "Already in this room's audio.");
    const others = this.#otherPeers();
    // Refuse before the microphone prompt: asking and then refusing would be unkind.
    if (others.length + 1 > MESH_MAX_PARTICIPANTS) throw new AudioJoinError("mesh_full", MESH_FULL_MESSAGE);

    this.#setState("connecting");
    const session = crypto.randomUUID();
    this.#session = session;
    this.#listenOnly = options.listenOnly;
    this.#muted = options.listenOnly || options.startMuted;

    // Listen from the start: someone who joins while our microphone prompt is open says
    // hello to us then, and would never say it again. What arrives before we can answer
    // waits, in order, until we can.
    let waiting: [string, MeshSignal][] | null = [];
    this.#unsubscribe.push(
      this.#signaller.onSignal((from, signal) => {
        if (waiting) waiting.push([from, signal]);
        else this.#onSignal(from, signal);
      }),
      this.#signaller.onPeerLeft((id) => {
        if (waiting) waiting = waiting.filter(([from]) => from !== id);
        else this.#dropLink(id);
      }),
    );

    if (!options.listenOnly) {
      try {
        this.#localStream = await navigator.mediaDevices.getUserMedia(MICROPHONE_CONSTRAINTS);
      } catch (error) {
        this.#unsubscribeAll();
        this.#session = "";
        this.#setState("idle");
        throw microphoneError(error);
      }
      if (this.#session !== session) {
        // leave() ran while the prompt was open.
        this.#stopLocalStream();
        return;
      }
      this.#applyMute();
    }

    this.#statsTimer = setInterval(() => void this.#pollLevels(), this.#statsIntervalMs);
    this.#setState("connected");
    const early = waiting;
    waiting = null;
    for (const [from, signal] of early) this.#onSignal(from, signal);
    // Whoever is here now (read again: people join while a prompt is open) and has not
    // already reached us answers our hello with a welcome; whoever joins later says hello to us.
    for (const id of this.#otherPeers()) if (!this.#links.has(id)) this.#signaller.send(id, { kind: "hello", session });
  }

  #unsubscribeAll(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  async leave(): Promise<void> {
    if (this.#state === "idle") return;
    const session = this.#session;
    for (const link of this.#links.values()) this.#signaller.send(link.id, { kind: "bye", session });
    for (const id of [...this.#links.keys()]) this.#dropLink(id);
    this.#unsubscribeAll();
    clearInterval(this.#statsTimer);
    this.#statsTimer = undefined;
    this.#stopLocalStream();
    this.#session = "";
    this.#speaking = false;
    this.#playbackBlocked = false;
    this.#selfDetector.reset();
    this.#selfStatsFrom = null;
    this.#setState("idle");
  }

  async setMuted(muted: boolean): Promise<void> {
    if (this.#state === "idle" || this.#state === "connecting") throw new Error("audio: setMuted before join finished");
    if (!muted && !this.#localStream) {
      // Joined to listen, now wants to talk: this is the moment to ask for the microphone.
      const session = this.#session;
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia(MICROPHONE_CONSTRAINTS);
      } catch (error) {
        throw microphoneError(error);
      }
      if (this.#session !== session) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      this.#localStream = stream;
      this.#listenOnly = false;
      // Adding the track fires negotiationneeded on each link; perfect negotiation does the rest.
      for (const link of this.#links.values()) this.#addLocalTrack(link.pc);
    }
    this.#muted = muted;
    this.#applyMute();
    this.#emit();
  }

  blockPeer(id: string): void {
    this.#blocked.add(id);
    const link = this.#links.get(id);
    if (link) this.#applyBlock(link);
    this.#emit();
  }

  unblockPeer(id: string): void {
    this.#blocked.delete(id);
    const link = this.#links.get(id);
    if (link) this.#applyBlock(link);
    this.#emit();
  }

  async startAudio(): Promise<void> {
    const plays = [...this.#links.values()].flatMap((link) => (link.audio ? [link.audio.play()] : []));
    const results = await Promise.allSettled(plays);
    this.#playbackBlocked = results.some((result) => result.status === "rejected");
    this.#emit();
  }

  snapshot(): AudioSnapshot {
    const peers = [...this.#links.values()].map((link) => ({
      id: link.id,
      link: link.pc.connectionState as PeerLinkState,
      speaking: link.speaking,
    }));
    return {
      state: this.#state,
      muted: this.#muted,
      listenOnly: this.#listenOnly,
      speaking: this.#speaking,
      playbackBlocked: this.#playbackBlocked,
      participants: audioParticipants(peers, this.#blocked),
    };
  }

  subscribe(listener: AudioListener): () => void {
    return this.#listeners.subscribe(listener, this.snapshot());
  }

  async stats(): Promise<PeerAudioStats[]> {
    const links = [...this.#links.values()];
    const all = await Promise.all(links.map(async (link) => inboundAudio(link.id, await link.pc.getStats())));
    return all.sort((a, b) => a.peerId.localeCompare(b.peerId));
  }

  // --- signalling -----------------------------------------------------------

  #otherPeers(): string[] {
    const self = this.#signaller.selfId;
    return [...new Set(this.#signaller.peers())].filter((id) => id !== self);
  }

  #onSignal(from: string, signal: MeshSignal): void {
    if (from === this.#signaller.selfId || !isMeshSignal(signal)) return;
    if ("to" in signal && signal.to !== this.#session) return; // meant for an earlier join of ours
    let link = this.#links.get(from);
    switch (signal.kind) {
      case "hello":
        // A new join of theirs (first time, or back after leaving): start afresh.
        if (this.#openLink(from, signal.session))
          this.#signaller.send(from, { kind: "welcome", session: this.#session, to: signal.session });
        return;
      case "welcome":
        if (link?.remoteSession !== signal.session) this.#openLink(from, signal.session);
        return;
      case "bye":
        if (link?.remoteSession === signal.session) this.#dropLink(from);
        return;
      case "description":
        // An offer may overtake the welcome on a slow relay; it carries the session we need.
        if (link?.remoteSession !== signal.session) link = this.#openLink(from, signal.session) ?? undefined;
        if (link) {
          const target = link;
          this.#enqueue(target, () => this.#onDescription(target, signal.description));
        }
        return;
      case "candidate":
        if (link?.remoteSession === signal.session) {
          const target = link;
          this.#enqueue(target, async () => {
            try {
              await target.pc.addIceCandidate(signal.candidate);
            } catch (error) {
              // Candidates for an offer we chose to ignore are expected to fail.
              if (!target.ignoreOffer) throw error;
            }
          });
        }
        return;
    }
  }

  #enqueue(link: PeerLink, step: () => Promise<void>): void {
    link.queue = link.queue.then(step).catch((error: unknown) => {
      if (this.#links.get(link.id) === link) console.warn(`audio: signalling with ${link.id} failed`, error);
    });
  }

  async #onDescription(link: PeerLink, description: RTCSessionDescriptionInit): Promise<void> {
    const { pc } = link;
    if (pc.signalingState === "closed") return;
    const readyForOffer = !link.makingOffer && (pc.signalingState === "stable" || link.settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    link.ignoreOffer = !link.polite && collision;
    if (link.ignoreOffer) return;
    link.settingRemoteAnswer = description.type === "answer";
    try {
      await pc.setRemoteDescription(description); // rolls back our own offer first when we are polite
    } finally {
      link.settingRemoteAnswer = false;
    }
    if (description.type === "offer") {
      // The answering side sends its voice on the transceiver the offer made (see #openLink).
      this.#addLocalTrack(pc);
      await pc.setLocalDescription();
      this.#sendDescription(link);
    }
  }

  #sendDescription(link: PeerLink): void {
    const description = link.pc.localDescription;
    if (!description) return;
    this.#signaller.send(link.id, {
      kind: "description",
      session: this.#session,
      to: link.remoteSession,
      description: { type: description.type, sdp: description.sdp },
    });
  }

  // --- links ----------------------------------------------------------------

  #openLink(id: string, remoteSession: string): PeerLink | null {
    if (this.#links.has(id)) this.#dropLink(id);
    else if (this.#links.size + 1 >= MESH_MAX_PARTICIPANTS) {
      // The server keeps rooms within the cap; this guards against a race past it.
      console.warn(`audio: not connecting to ${id}, the mesh is full`);
      return null;
    }
    const pc = new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: "max-bundle" });
    const self = this.#signaller.selfId;
    // Deterministic roles: the polite side yields if offers ever cross, and only the other side
    // makes the first offer, so the first negotiation never collides (Chromium can leave a link
    // that rolled back its own first offer without ICE candidates, silent for good).
    const polite = self === id ? this.#session < remoteSession : self < id;
    const link: PeerLink = {
      id,
      remoteSession,
      pc,
      polite,
      makingOffer: false,
      ignoreOffer: false,
      settingRemoteAnswer: false,
      queue: Promise.resolve(),
      track: null,
      audio: null,
      detector: new SpeakingDetector(),
      speaking: false,
    };
    this.#links.set(id, link);

    pc.onnegotiationneeded = async () => {
      try {
        link.makingOffer = true;
        await pc.setLocalDescription();
        this.#sendDescription(link);
      } catch (error) {
        if (this.#links.get(id) === link) console.warn(`audio: offer to ${id} failed`, error);
      } finally {
        link.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      this.#signaller.send(id, {
        kind: "candidate",
        session: this.#session,
        to: remoteSession,
        candidate: candidate.toJSON(),
      });
    };
    pc.ontrack = ({ track }) => {
      if (track.kind !== "audio") return;
      link.track = track;
      this.#applyBlock(link);
    };
    pc.onconnectionstatechange = () => {
      // A dropped network path: ask for fresh candidates rather than a new call.
      if (pc.connectionState === "failed") pc.restartIce();
      this.#emit();
    };

    if (!polite) {
      // We offer first: our voice, or (listening only) a place to receive theirs.
      if (this.#localStream) this.#addLocalTrack(pc);
      else pc.addTransceiver("audio", { direction: "recvonly" });
    }
    this.#emit();
    return link;
  }

  #addLocalTrack(pc: RTCPeerConnection): void {
    const stream = this.#localStream;
    const track = stream?.getAudioTracks()[0];
    if (!stream || !track || pc.getSenders().some((sender) => sender.track === track)) return;
    pc.addTrack(track, stream);
  }

  #dropLink(id: string): void {
    const link = this.#links.get(id);
    if (!link) return;
    this.#links.delete(id);
    link.pc.onnegotiationneeded = null;
    link.pc.onicecandidate = null;
    link.pc.ontrack = null;
    link.pc.onconnectionstatechange = null;
    link.pc.close();
    this.#detachAudio(link);
    link.track = null;
    if (this.#selfStatsFrom === id) {
      this.#selfStatsFrom = null;
      this.#selfDetector.reset();
    }
    this.#emit();
  }

  // --- playback -------------------------------------------------------------

  #applyBlock(link: PeerLink): void {
    const blocked = this.#blocked.has(link.id);
    // Disabling the receiving track zeroes its output in the browser's mixer;
    // detaching the element means nothing is left to play it at all.
    for (const receiver of link.pc.getReceivers()) receiver.track.enabled = !blocked;
    if (blocked) {
      this.#detachAudio(link);
      link.speaking = false;
      link.detector.reset();
    } else if (link.track) {
      this.#attachAudio(link, link.track);
    }
  }

  #attachAudio(link: PeerLink, track: MediaStreamTrack): void {
    let audio = link.audio;
    if (!audio) {
      audio = document.createElement("audio");
      audio.autoplay = true;
      audio.setAttribute("playsinline", "");
      audio.dataset.audioPeer = link.id;
      audio.hidden = true;
      (this.#audioContainer ?? document.body).append(audio);
      link.audio = audio;
    }
    audio.srcObject = new MediaStream([track]);
    audio.play().then(
      () => {
        if (this.#playbackBlocked && [...this.#links.values()].every((l) => !l.audio || !l.audio.paused)) {
          this.#playbackBlocked = false;
          this.#emit();
        }
      },
      (error: unknown) => {
        if (error instanceof DOMException && error.name === "NotAllowedError") {
          this.#playbackBlocked = true;
          this.#emit();
        }
      },
    );
  }

  #detachAudio(link: PeerLink): void {
    if (!link.audio) return;
    link.audio.pause();
    link.audio.srcObject = null;
    link.audio.remove();
    link.audio = null;
  }

  // --- microphone and levels --------------------------------------------------

  #applyMute(): void {
    // A disabled track sends silence: the links stay up, so unmuting is instant.
    for (const track of this.#localStream?.getAudioTracks() ?? []) track.enabled = !this.#muted;
    if (this.#muted) this.#speaking = false;
  }

  #stopLocalStream(): void {
    for (const track of this.#localStream?.getTracks() ?? []) track.stop();
    this.#localStream = null;
  }

  async #pollLevels(): Promise<void> {
    const now = performance.now();
    await Promise.all(
      [...this.#links.values()].map(async (link) => {
        let report: RTCStatsReport;
        try {
          report = await link.pc.getStats();
        } catch {
          return; // closed meanwhile
        }
        const inbound = inboundAudio(link.id, report);
        link.speaking =
          !this.#blocked.has(link.id) &&
          link.detector.update(inbound.totalAudioEnergy, inbound.totalSamplesDuration, now);
        if (this.#localStream && (this.#selfStatsFrom ?? link.id) === link.id) {
          const source = localAudioSource(report);
          if (source) {
            this.#selfStatsFrom = link.id;
            const speaking = this.#selfDetector.update(source.totalAudioEnergy, source.totalSamplesDuration, now);
            this.#speaking = speaking && !this.#muted;
          }
        }
      }),
    );
    this.#emit();
  }

  // --- state ----------------------------------------------------------------

  #setState(state: AudioConnectionState): void {
    this.#state = state;
    this.#emit();
  }

  #emit(): void {
    if (this.#state === "connected" || this.#state === "reconnecting") {
      const links = [...this.#links.values()].map((link) => link.pc.connectionState);
      this.#state = links.some((s) => s === "disconnected" || s === "failed") ? "reconnecting" : "connected";
    }
    const snapshot = this.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === this.#lastEmitted) return;
    this.#lastEmitted = key;
    this.#listeners.emit(snapshot);
  }
}

function localAudioSource(report: RTCStatsReport): { totalAudioEnergy: number; totalSamplesDuration: number } | null {
  let found: { totalAudioEnergy: number; totalSamplesDuration: number } | null = null;
  report.forEach((entry: StatsEntry) => {
    if (entry.type !== "media-source" || entry.kind !== "audio") return;
    if (entry.totalAudioEnergy === undefined || entry.totalSamplesDuration === undefined) return;
    found = { totalAudioEnergy: entry.totalAudioEnergy, totalSamplesDuration: entry.totalSamplesDuration };
  });
  return found;
}
