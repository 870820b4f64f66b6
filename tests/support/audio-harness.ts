/**
 * Browser entry for the audio e2e: bundled with the real MeshTransport and
 * loaded into each Chromium page. The signaller relays through the test
 * process (`window.__audioSend`, exposed by playwright), standing in for Socket.IO.
 */
import { MeshTransport, type MeshSignal, type Signaller } from "../../apps/web/src/lib/audio/mesh.js";
import { isAudioJoinError, type AudioSnapshot, type JoinOptions } from "../../apps/web/src/lib/audio/transport.js";

export type JoinResult = { ok: true } | { ok: false; code: string; message: string };

export interface AudioHarness {
  setup(selfId: string, peers: string[]): void;
  /** Who the room says is here now (people arrive while a microphone prompt is open). */
  setPeers(peers: string[]): void;
  /** The next microphone prompt stays open until releaseMicrophone(), as a person deciding would. */
  holdMicrophone(): void;
  releaseMicrophone(): void;
  join(options: JoinOptions): Promise<JoinResult>;
  leave(): Promise<void>;
  setMuted(muted: boolean): Promise<void>;
  blockPeer(id: string): void;
  unblockPeer(id: string): void;
  stats(): ReturnType<MeshTransport["stats"]>;
  snapshot(): AudioSnapshot;
  /** Every snapshot the transport emitted, oldest first. */
  history(): AudioSnapshot[];
  deliver(from: string, signal: MeshSignal): void;
  /** Signals delivered to this page so far. */
  signalsDelivered(): number;
  peerLeft(id: string): void;
  getUserMediaCalls(): number;
  audioElements(): string[];
}

declare global {
  interface Window {
    __audioSend(to: string, signal: MeshSignal): Promise<void>;
    audioHarness: AudioHarness;
  }
}

// Count microphone requests, to prove listen-only and refused joins never ask.
let getUserMediaCalls = 0;
let held: { promise: Promise<void>; release: () => void } | null = null;
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  getUserMediaCalls += 1;
  if (held) await held.promise;
  return getUserMedia(constraints);
};
let roomPeers: string[] = [];
let delivered = 0;

const signalListeners = new Set<(from: string, signal: MeshSignal) => void>();
const leftListeners = new Set<(id: string) => void>();
let transport: MeshTransport | undefined;
const snapshots: AudioSnapshot[] = [];

function mesh(): MeshTransport {
  if (!transport) throw new Error("setup() first");
  return transport;
}

window.audioHarness = {
  setup(selfId, peers) {
    roomPeers = peers;
    const signaller: Signaller = {
      selfId,
      peers: () => roomPeers,
      send: (to, signal) => void window.__audioSend(to, signal),
      onSignal(listener) {
        signalListeners.add(listener);
        return () => signalListeners.delete(listener);
      },
      onPeerLeft(listener) {
        leftListeners.add(listener);
        return () => leftListeners.delete(listener);
      },
    };
    transport = new MeshTransport({ signaller, iceServers: [] });
    transport.subscribe((snapshot) => snapshots.push(snapshot));
  },
  async join(options) {
    try {
      await mesh().join(options);
      return { ok: true };
    } catch (error) {
      if (isAudioJoinError(error)) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  },
  setPeers(peers) {
    roomPeers = peers;
  },
  holdMicrophone() {
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    held = { promise, release };
  },
  releaseMicrophone() {
    held?.release();
    held = null;
  },
  leave: () => mesh().leave(),
  setMuted: (muted) => mesh().setMuted(muted),
  blockPeer: (id) => mesh().blockPeer(id),
  unblockPeer: (id) => mesh().unblockPeer(id),
  stats: () => mesh().stats(),
  snapshot: () => mesh().snapshot(),
  history: () => snapshots,
  deliver(from, signal) {
    delivered += 1;
    for (const listener of signalListeners) listener(from, signal);
  },
  peerLeft(id) {
    for (const listener of leftListeners) listener(id);
  },
  getUserMediaCalls: () => getUserMediaCalls,
  signalsDelivered: () => delivered,
  audioElements: () => [...document.querySelectorAll("audio")].map((audio) => audio.dataset.audioPeer ?? ""),
};
