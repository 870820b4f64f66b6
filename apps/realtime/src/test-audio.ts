import {
  AudioFrame,
  AudioSource,
  AudioStream,
  DisconnectReason,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type LocalTrackPublication,
  type RemoteTrack,
} from "@livekit/rtc-node";

const SAMPLE_RATE = 48_000;
const FRAME_SAMPLES = SAMPLE_RATE / 100; // 10 ms
/** Louder than this (RMS of 16-bit samples) counts as hearing someone; silence and comfort noise are far below. */
export const HEARD_RMS = 500;

/**
 * A real participant on the LiveKit server, in this process (@livekit/rtc-node):
 * it connects with a token realtime minted, publishes a synthetic microphone
 * (a sine tone) and measures what it hears from each other participant
 * (the RMS level of the last frames their audio track delivered). Nothing is
 * kept: only the latest level per participant.
 */
export class AudioPeer {
  readonly room = new Room();
  /** Why the server disconnected this participant, once it did. */
  disconnectReason: DisconnectReason | null = null;
  private levels = new Map<string, { rms: number; at: number }>();
  private loudAt = new Map<string, number>();
  private tone: { source: AudioSource; stop: boolean } | null = null;
  publication: LocalTrackPublication | null = null;

  constructor(readonly label: string) {
    this.room.on(RoomEvent.TrackSubscribed, (track, _publication, participant) => {
      if (track.kind === TrackKind.KIND_AUDIO) void this.listen(track, participant.identity);
    });
    this.room.on(RoomEvent.Disconnected, (reason) => {
      this.disconnectReason = reason;
    });
  }

  get identity(): string | undefined {
    return this.room.localParticipant?.identity;
  }

  get connected(): boolean {
    return this.room.isConnected;
  }

  async connect(url: string, token: string): Promise<void> {
    this.disconnectReason = null;
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
  }

  /** Publishes a microphone track carrying a continuous tone (paced in real time by the source's queue). */
  async publishTone(hz = 440): Promise<LocalTrackPublication> {
    const source = new AudioSource(SAMPLE_RATE, 1);
    const tone = { source, stop: false };
    this.tone = tone;
    const track = LocalAudioTrack.createAudioTrack("microphone", source);
    const publication = await this.room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    this.publication = publication;
    void (async () => {
      let n = 0;
      while (!tone.stop) {
        const data = new Int16Array(FRAME_SAMPLES);
        for (let i = 0; i < FRAME_SAMPLES; i++, n++)
          data[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * n) / SAMPLE_RATE));
        try {
          await source.captureFrame(new AudioFrame(data, SAMPLE_RATE, 1, FRAME_SAMPLES));
        } catch {
          return; // the source was closed
        }
      }
    })();
    return publication;
  }

  /** The level heard from a participant just now (0 when nothing arrived from them in the last half second). */
  hearing(identity: string): number {
    const level = this.levels.get(identity);
    return level && Date.now() - level.at < 500 ? level.rms : 0;
  }

  /**
   * Whether a participant is heard now with sound that arrived after `since`
   * (ms epoch): after an outage, buffered or concealed audio from before it does not count.
   */
  heardSince(identity: string, since: number): boolean {
    const loud = this.loudAt.get(identity);
    return loud !== undefined && loud > since && Date.now() - loud < 500;
  }

  /** Identities of the other participants the server says are in the room. */
  others(): string[] {
    return [...this.room.remoteParticipants.values()].map((p) => p.identity);
  }

  async close(): Promise<void> {
    if (this.tone) {
      this.tone.stop = true;
      await this.tone.source.close().catch(() => undefined);
      this.tone = null;
    }
    if (this.room.isConnected) await this.room.disconnect().catch(() => undefined);
  }

  private async listen(track: RemoteTrack, identity: string) {
    const stream = new AudioStream(track, SAMPLE_RATE, 1);
    try {
      for await (const frame of stream) {
        let sum = 0;
        for (const v of frame.data) sum += v * v;
        const rms = Math.sqrt(sum / Math.max(1, frame.data.length));
        this.levels.set(identity, { rms, at: Date.now() });
        if (rms > HEARD_RMS) this.loudAt.set(identity, Date.now());
      }
    } catch {
      // The track ended (unpublished, or the connection closed).
    }
  }
}

/** Waits until `ok(value)` holds, polling every 50 ms; returns how long it took (ms). */
export async function timeUntil<T>(
  fn: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what = "condition",
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (ok(value)) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what} not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
