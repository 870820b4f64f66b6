/**
 * Browser entry for the LiveKit transport checks against the real LiveKit
 * server: the real LiveKitTransport, bundled at test time.
 */
import { LiveKitTransport } from "../../apps/web/src/lib/audio/livekit.js";
import { isAudioJoinError, type AudioSnapshot, type JoinOptions } from "../../apps/web/src/lib/audio/transport.js";
import type { JoinResult } from "./audio-harness.js";

declare global {
  interface Window {
    liveKitHarness: {
      /** Joins with `token` first, then a token from `window.__freshToken()` for every rejoin. */
      join(url: string, token: string, options: JoinOptions): Promise<JoinResult>;
      leave(): Promise<void>;
      getUserMediaCalls(): number;
      state(): string;
      /** Every state the transport reported, oldest first. */
      states(): string[];
      snapshot(): AudioSnapshot | null;
    };
    __freshToken(): Promise<string>;
  }
}

let getUserMediaCalls = 0;
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  getUserMediaCalls += 1;
  return getUserMedia(constraints);
};

let transport: LiveKitTransport | undefined;
const states: string[] = [];

window.liveKitHarness = {
  async join(url, token, options) {
    let first: string | null = token;
    transport = new LiveKitTransport({
      url,
      token: async () => {
        const t = first ?? (await window.__freshToken());
        first = null;
        return t;
      },
      retryDelaysMs: [500, 1000, 2000],
    });
    transport.subscribe((s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    });
    try {
      await transport.join(options);
      return { ok: true };
    } catch (error) {
      if (isAudioJoinError(error)) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  },
  leave: () => transport?.leave() ?? Promise.resolve(),
  getUserMediaCalls: () => getUserMediaCalls,
  state: () => transport?.snapshot().state ?? "none",
  states: () => states,
  snapshot: () => transport?.snapshot() ?? null,
};
