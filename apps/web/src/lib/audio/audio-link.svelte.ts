import type { RoomAudio } from "@offshift/core/browser";
import { transportFor } from "./choose.js";
import type { Signaller } from "./mesh.js";
import type { AudioSnapshot, AudioTransport } from "./transport.js";

/**
 * The audio of one live room or one 1:1 call: the transport in use now (one
 * at a time; a restart replaces it) and what it last said, for the page.
 * A transport that is no longer the current one is never heard from again.
 */
export class AudioLink {
  /** What the current transport last said (null before the first, and after `stop(true)`). */
  audio = $state<AudioSnapshot | null>(null);
  /** Which audio path realtime chose (null before the first start). */
  kind = $state<RoomAudio["kind"] | null>(null);

  readonly #options: { freshToken: () => Promise<string>; signaller: Signaller; iceServers: RTCIceServer[] };
  #transport: AudioTransport | null = null;

  constructor(options: { freshToken: () => Promise<string>; signaller: Signaller; iceServers: RTCIceServer[] }) {
    this.#options = options;
  }

  get transport(): AudioTransport | null {
    return this.#transport;
  }

  /** Makes a transport for `audio` the current one (the caller joins it) and shows what it says while it stays current. */
  start(audio: RoomAudio): AudioTransport {
    this.kind = audio.kind;
    const { freshToken, signaller, iceServers } = this.#options;
    const transport = transportFor(audio, { freshToken, signaller: () => signaller, iceServers });
    this.#transport = transport;
    transport.subscribe((a) => {
      if (this.#transport === transport) this.audio = a;
    });
    return transport;
  }

  /**
   * Hangs up the current transport. `clear`: the page stops showing audio;
   * otherwise (a restart) it shows the last word until the next transport speaks.
   */
  async stop(clear: boolean): Promise<void> {
    const t = this.#transport;
    this.#transport = null;
    await t?.leave();
    if (clear) this.audio = null;
  }
}
