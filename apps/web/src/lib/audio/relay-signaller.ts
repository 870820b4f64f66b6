import type { RtcSignal } from "@offshift/core/browser";
import { isMeshSignal, type MeshSignal, type Signaller } from "./mesh.js";

/** What a live room or a 1:1 call tells its mesh signaller. */
export interface RelaySource {
  /** Our participant id (null before realtime has given us one). */
  self(): string | null;
  /** Everyone in the audio right now, ourselves included or not. */
  present(): readonly string[];
  /** Hands a signal to realtime, which relays it to participant `to`. */
  send(to: string, signal: MeshSignal): void;
}

/**
 * The mesh's signaller for a live room or a 1:1 call, relayed by realtime:
 * one per client, kept across audio restarts. The client passes on each
 * `rtc:signal` that arrives (`receive`) and each change of who is present
 * (`presentChanged`); the mesh subscribes to both.
 */
export class RelaySignaller implements Signaller {
  readonly #source: RelaySource;
  #signalListeners: ((from: string, signal: MeshSignal) => void)[] = [];
  #peerLeftListeners: ((id: string) => void)[] = [];

  constructor(source: RelaySource) {
    this.#source = source;
  }

  get selfId(): string {
    return this.#source.self() ?? "";
  }

  peers(): readonly string[] {
    const self = this.#source.self();
    return this.#source.present().filter((id) => id !== self);
  }

  send(to: string, signal: MeshSignal): void {
    this.#source.send(to, signal);
  }

  onSignal(listener: (from: string, signal: MeshSignal) => void): () => void {
    this.#signalListeners.push(listener);
    return () => (this.#signalListeners = this.#signalListeners.filter((l) => l !== listener));
  }

  onPeerLeft(listener: (id: string) => void): () => void {
    this.#peerLeftListeners.push(listener);
    return () => (this.#peerLeftListeners = this.#peerLeftListeners.filter((l) => l !== listener));
  }

  /** A signal realtime relayed to us; one that is not a well-formed mesh signal is dropped. */
  receive(message: RtcSignal): void {
    if (!isMeshSignal(message.signal)) return;
    for (const l of this.#signalListeners) l(message.from, message.signal as MeshSignal);
  }

  /** Who is present changed: everyone in `before` and not in `now` has left (their links go at once). */
  presentChanged(before: readonly string[], now: readonly string[]): void {
    for (const id of before) if (!now.includes(id)) for (const l of this.#peerLeftListeners) l(id);
  }
}
