import type { RoomAudio } from "@offshift/core/browser";
import { LiveKitTransport } from "./livekit.js";
import { MeshTransport, type Signaller } from "./mesh.js";
import type { AudioTransport } from "./transport.js";

/**
 * The transport for the audio realtime described, for a drop-in room or a 1:1
 * call alike: LiveKit with the token from the join answer first and a fresh one
 * from realtime for every later connection (the transport rejoins by itself
 * after an outage, and stops when realtime refuses), else the mesh.
 */
export function transportFor(
  audio: RoomAudio,
  options: { freshToken: () => Promise<string>; signaller: () => Signaller; iceServers: RTCIceServer[] },
): AudioTransport {
  if (audio.kind !== "livekit")
    return new MeshTransport({ signaller: options.signaller(), iceServers: options.iceServers });
  let first: string | null = audio.token;
  return new LiveKitTransport({
    url: audio.url,
    token: async () => {
      const token = first ?? (await options.freshToken());
      first = null;
      return token;
    },
  });
}
