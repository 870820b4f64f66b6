/**
 * The real LiveKit server for e2e tests and benches: the app started with
 * LIVEKIT_* pointing at it (its webhooks at that realtime), guests that join a
 * room through the same socket API the browser uses, and server-side
 * participants (@livekit/rtc-node) that publish a tone or measure what they hear.
 */
import { io, type Socket } from "socket.io-client";
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
} from "@livekit/rtc-node";
import { RoomServiceClient, type ParticipantInfo } from "livekit-server-sdk";
import {
  PATCH_GAP_MS,
  RoomPatches,
  type ClientToServerEvents,
  type RoomAck,
  type RoomReply,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "@offshift/core";
import { prepareTestLiveKit, type TestLiveKit } from "@offshift/db/testing";
import { freePort, startApp, type RunningApp } from "./app.js";

export interface LiveKitApp {
  app: RunningApp;
  liveKit: TestLiveKit;
  /** RoomService on the same server, for checking what the SFU itself holds. */
  rooms: RoomServiceClient;
  stop(): Promise<void>;
}

/** The app (web, realtime, embedded PostgreSQL) with its audio on a real LiveKit server on loopback. */
export async function startAppWithLiveKit(
  bin: string,
  env: Record<string, string>,
  options: { iceTcp?: boolean } = {},
): Promise<LiveKitApp> {
  const port = await freePort();
  let realtimePort = await freePort();
  while (realtimePort === port) realtimePort = await freePort();
  const liveKit = await prepareTestLiveKit(bin, { avoidPorts: [port, realtimePort], ...options });
  liveKit.webhookUrls = [`http://127.0.0.1:${realtimePort}/livekit/webhook`];
  await liveKit.start();
  try {
    const app = await startApp({
      ...env,
      PORT: String(port),
      REALTIME_PORT: String(realtimePort),
      LIVEKIT_URL: liveKit.url,
      LIVEKIT_API_KEY: liveKit.apiKey,
      LIVEKIT_API_SECRET: liveKit.apiSecret,
    });
    const rooms = new RoomServiceClient(liveKit.httpUrl, liveKit.apiKey, liveKit.apiSecret);
    return {
      app,
      liveKit,
      rooms,
      async stop() {
        await app.stop();
        await liveKit.dispose();
      },
    };
  } catch (error) {
    await liveKit.dispose();
    throw error;
  }
}

/** Identities LiveKit holds in a room right now (empty when the room does not exist). */
export async function liveKitIdentities(rooms: RoomServiceClient, room: string): Promise<ParticipantInfo[]> {
  try {
    return await rooms.listParticipants(room);
  } catch {
    return [];
  }
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Cookies from a response, merged into `jar` (name=value only). */
function keepCookies(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const at = pair.indexOf("=");
    if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

/**
 * A worker who joins as a guest exactly as a browser does (the join form, then
 * single-use socket tickets from /api/realtime-ticket), driving the room
 * through the socket API.
 */
export class SocketGuest {
  snapshot: RoomSnapshot | null = null;
  memberId: string | null = null;
  private readonly patches = new RoomPatches();
  private gap: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    readonly nickname: string,
    readonly socket: Client,
  ) {
    socket.on("room:state", (s) => {
      if (!this.snapshot || s.version >= this.snapshot.version) this.snapshot = s;
    });
    socket.on("room:patch", (p) => this.settled(this.patches.receive(this.snapshot, p)));
  }

  /**
   * As the browser's room.svelte.ts does: patches applied in version order; a gap that lasts
   * PATCH_GAP_MS means fetching the whole room, and one that closes (by a patch, or by a command's
   * answer) stops that wait.
   */
  private settled(r: { snapshot: RoomSnapshot | null; gap: boolean }): void {
    if (r.snapshot) this.snapshot = r.snapshot;
    if (!r.gap) {
      if (this.gap) clearTimeout(this.gap);
      this.gap = null;
      return;
    }
    this.gap ??= setTimeout(() => {
      this.gap = null;
      this.patches.clear();
      // Its answer carries the whole room (send keeps it). One lost on a busy machine leaves the snapshot
      // behind, which the test's own polling then shows; it must not outlive the test as a rejection.
      this.send("room:sync", { afterChatSeq: 0 }).catch((e: unknown) =>
        console.warn(`${this.nickname}: room:sync after a gap failed:`, e),
      );
    }, PATCH_GAP_MS);
  }

  static async create(app: RunningApp, nickname: string): Promise<SocketGuest> {
    const jar = new Map<string, string>();
    const joined = await fetch(`${app.url}/join?/join`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: app.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ nickname, agreement: "on", next: "/" }),
    });
    keepCookies(jar, joined);
    if (!jar.has("offshift_guest")) throw new Error(`guest join failed: ${joined.status} ${await joined.text()}`);
    const ticket = async () => {
      const response = await fetch(`${app.url}/api/realtime-ticket`, { headers: { cookie: cookieHeader(jar) } });
      return ((await response.json()) as { ticket: string }).ticket;
    };
    const socket: Client = io(app.realtimeUrl, {
      transports: ["websocket"],
      forceNew: true,
      extraHeaders: { origin: app.url },
      // A reconnection asks for a fresh ticket; if web cannot give one (it is stopping), the attempt goes
      // without and is refused, as a browser's would be, instead of leaving a rejection behind.
      auth: (cb) =>
        void ticket().then(
          (t) => cb({ ticket: t }),
          () => cb({ ticket: "" }),
        ),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return new SocketGuest(nickname, socket);
  }

  /** Sends a room command; resolves with the reply (ok or not). */
  send(event: string, payload: unknown): Promise<RoomAck<RoomReply>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event}: no answer in 10 s`)), 10_000);
      (this.socket.emit as (e: string, p: unknown, ack: (r: RoomAck<RoomReply>) => void) => void)(
        event,
        payload,
        (reply) => {
          clearTimeout(timer);
          if (reply.ok && reply.data) {
            this.memberId = reply.data.memberId;
            if (!this.snapshot || reply.data.snapshot.version >= this.snapshot.version)
              this.snapshot = reply.data.snapshot;
            this.settled(this.patches.settle(this.snapshot));
          }
          resolve(reply);
        },
      );
    });
  }

  /** room:join; returns the LiveKit address and token realtime handed out. */
  async joinRoom(occurrenceId: string, listenOnly = false): Promise<{ url: string; token: string }> {
    const reply = await this.send("room:join", { occurrenceId, listenOnly });
    if (!reply.ok) throw new Error(`room:join refused: ${reply.error.message}`);
    const audio = reply.data?.audio;
    if (audio?.kind !== "livekit")
      throw new Error(`room:join answered without LiveKit audio: ${JSON.stringify(audio)}`);
    return { url: audio.url, token: audio.token };
  }

  /** A fresh token (room:audio-token), as the browser asks before a full rejoin. */
  async audioToken(): Promise<string> {
    const reply = await this.send("room:audio-token", {});
    if (!reply.ok || reply.data?.audio?.kind !== "livekit") throw new Error("room:audio-token refused");
    return reply.data.audio.token;
  }

  /** Closes the socket; a wait for a missing patch ends with it (nothing is sent after close). */
  close(): void {
    if (this.gap) clearTimeout(this.gap);
    this.gap = null;
    this.socket.close();
  }
}

const RATE = 48_000;
const FRAME = RATE / 100; // 10 ms

/** Energy of 16-bit samples, as Chromium counts totalAudioEnergy: sum of (sample/32768)^2 times 1/rate. */
function frameEnergy(data: Int16Array, rate: number): number {
  let sum = 0;
  for (const s of data) sum += (s / 32_768) ** 2;
  return sum / rate;
}

export interface RtcParticipantOptions {
  /** Publish a tone at this frequency (a multiple of 100 Hz); unset: publish nothing. */
  toneHz?: number;
  /** Subscribe to everyone's audio (a real listener's load); default false. */
  autoSubscribe?: boolean;
  /** Asked for a fresh token when LiveKit's own reconnection gives up (the browser does the same). */
  freshToken?: () => Promise<string>;
}

/**
 * A server-side participant: @livekit/rtc-node connected with a token from
 * realtime. It publishes a tone (never stopping until `stop`) and can measure
 * the energy it receives from chosen participants.
 */
export class RtcParticipant {
  readonly #energy = new Map<string, number>();
  readonly #listenTo = new Set<string>();
  #room: Room | null = null;
  #source: AudioSource | null = null;
  #running = true;
  #rejoins = 0;

  private constructor(
    readonly url: string,
    readonly options: RtcParticipantOptions,
  ) {}

  static async join(url: string, token: string, options: RtcParticipantOptions = {}): Promise<RtcParticipant> {
    const p = new RtcParticipant(url, options);
    await p.#connect(token);
    if (options.toneHz) void p.#tone(options.toneHz);
    return p;
  }

  get identity(): string {
    return this.#room?.localParticipant?.identity ?? "";
  }
  get rejoins(): number {
    return this.#rejoins;
  }

  /** Starts measuring what arrives from `identity` (subscribing to their audio). */
  listenTo(identity: string): void {
    this.#listenTo.add(identity);
    const participant = this.#room?.remoteParticipants.get(identity);
    for (const publication of participant?.trackPublications.values() ?? []) publication.setSubscribed(true);
  }

  /** Energy received from `identity` so far (cumulative, across reconnects). */
  energyFrom(identity: string): number {
    return this.#energy.get(identity) ?? 0;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#room?.disconnect().catch(() => undefined);
    await this.#source?.close().catch(() => undefined);
    this.#room = null;
  }

  async #connect(token: string): Promise<void> {
    const room = new Room();
    room
      .on(RoomEvent.TrackPublished, (publication: RemoteTrackPublication, participant: RemoteParticipant) => {
        if (this.#listenTo.has(participant.identity)) publication.setSubscribed(true);
      })
      .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant: RemoteParticipant) => {
        if (track.kind !== TrackKind.KIND_AUDIO || !this.#listenTo.has(participant.identity)) return;
        this.#measure(participant.identity, track).catch((e: unknown) =>
          console.warn(`measuring ${participant.identity}'s audio stopped:`, e),
        );
      })
      .on(RoomEvent.Disconnected, () => {
        if (this.#running && this.#room === room) void this.#rejoin();
      });
    await room.connect(this.url, token, { autoSubscribe: this.options.autoSubscribe ?? false, dynacast: false });
    this.#room = room;
    for (const identity of this.#listenTo) this.listenTo(identity);
    if (!this.#source) this.#source = new AudioSource(RATE, 1);
    if (this.options.toneHz) {
      const track = LocalAudioTrack.createAudioTrack("microphone", this.#source);
      const publish = new TrackPublishOptions();
      publish.source = TrackSource.SOURCE_MICROPHONE;
      await room.localParticipant!.publishTrack(track, publish);
    }
  }

  /** Full rejoin with a fresh token, backing off, like the browser's transport. */
  async #rejoin(): Promise<void> {
    const { freshToken } = this.options;
    if (!freshToken) return;
    for (let attempt = 0; this.#running && attempt < 20; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 4000)));
      try {
        await this.#connect(await freshToken());
        this.#rejoins += 1;
        return;
      } catch {
        // the server is still down: try again
      }
    }
  }

  async #measure(identity: string, track: RemoteTrack): Promise<void> {
    const stream = new AudioStream(track, { sampleRate: RATE, numChannels: 1 });
    for await (const frame of stream) {
      if (!this.#running) break;
      this.#energy.set(identity, (this.#energy.get(identity) ?? 0) + frameEnergy(frame.data, frame.sampleRate));
    }
  }

  /** A steady tone, 10 ms frames paced by the source's own queue. */
  async #tone(hz: number): Promise<void> {
    const data = new Int16Array(FRAME);
    // A whole number of cycles per frame: the same frame repeats without a click.
    for (let i = 0; i < FRAME; i++) data[i] = Math.round(0.3 * 32_767 * Math.sin((2 * Math.PI * hz * i) / RATE));
    while (this.#running) {
      const source = this.#source;
      if (!source) break;
      try {
        await source.captureFrame(new AudioFrame(data, RATE, 1, FRAME));
      } catch {
        await new Promise((r) => setTimeout(r, 100)); // between connections
      }
    }
  }
}
