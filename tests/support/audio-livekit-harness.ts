/**
 * Browser entry for the LiveKit connect-path check: the real LiveKitTransport,
 * bundled at test time. No LiveKit server can run here, so the test stands in
 * for its signalling URL and checks what the client sends it.
 */
import { LiveKitTransport } from "../../apps/web/src/lib/audio/livekit.js";
import { isAudioJoinError, type JoinOptions } from "../../apps/web/src/lib/audio/transport.js";
import type { JoinResult } from "./audio-harness.js";

declare global {
  interface Window {
    liveKitHarness: {
      join(url: string, token: string, options: JoinOptions): Promise<JoinResult>;
      getUserMediaCalls(): number;
      state(): string;
    };
  }
}

let getUserMediaCalls = 0;
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  getUserMediaCalls += 1;
  return getUserMedia(constraints);
};

let transport: LiveKitTransport | undefined;

window.liveKitHarness = {
  async join(url, token, options) {
    transport = new LiveKitTransport({ url, token });
    try {
      await transport.join(options);
      return { ok: true };
    } catch (error) {
      if (isAudioJoinError(error)) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  },
  getUserMediaCalls: () => getUserMediaCalls,
  state: () => transport?.snapshot().state ?? "none",
};
