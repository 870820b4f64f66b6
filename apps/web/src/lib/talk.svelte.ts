import type { Socket } from "socket.io-client";
import type {
  CallChatLine,
  CallView,
  ClientToServerEvents,
  OnCallStatus,
  RoomAudio,
  ServerToClientEvents,
  TalkAck,
  TalkOfferView,
  TalkReply,
  TalkStatus,
} from "@offshift/core/browser";
import { STILL_BUSY_MESSAGE, pushNotification, type PushMessage } from "@offshift/core/browser";
import { emitWithRetry } from "$lib/ack.js";
import { FreshReads } from "$lib/fresh-read.js";
import { AudioLink } from "$lib/audio/audio-link.svelte.js";
import { LiveKitTransport } from "$lib/audio/livekit.js";
import { RelaySignaller } from "$lib/audio/relay-signaller.js";
import { isAudioJoinError, type AudioSnapshot } from "$lib/audio/transport.js";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The browser side of the 1:1 line: what the worker, the on-call volunteer
 * and both sides of a call see. Every rule is the server's; these classes
 * send commands, keep the latest answer in $state, and resynchronise after
 * every reconnect.
 */
abstract class TalkSocket {
  error = $state<string | null>(null);
  busy = $state(false);
  protected readonly socket: Client;
  readonly #off: (() => void)[] = [];

  constructor(socket: Client) {
    this.socket = socket;
  }

  protected on<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) {
    this.socket.on(event, handler as never);
    this.#off.push(() => this.socket.off(event, handler as never));
  }

  /** Runs `sync` now (once connected) and after every reconnect. */
  protected syncOnConnect(sync: () => void) {
    const onConnect = () => sync();
    this.socket.on("connect", onConnect);
    this.#off.push(() => this.socket.off("connect", onConnect));
    if (this.socket.connected) sync();
  }

  protected async send(event: string, payload: unknown = {}): Promise<TalkReply | null> {
    const reply = await emitWithRetry<TalkAck<TalkReply>>(this.socket as Socket, event, payload);
    if (!reply) {
      this.error = "No answer from the server. Check your connection; we will keep trying.";
      return null;
    }
    if (!reply.ok) {
      this.error = reply.error.code === "busy" ? STILL_BUSY_MESSAGE : reply.error.message;
      return null;
    }
    this.error = null;
    return reply.data ?? {};
  }

  destroy() {
    for (const off of this.#off) off();
  }
}

/** A worker asking for someone to talk to. */
export class AskClient extends TalkSocket {
  status = $state<TalkStatus | null>(null);
  matchedCallId = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onMatched: (callId: string) => void;

  constructor(socket: Client, onMatched: (callId: string) => void) {
    super(socket);
    this.#onMatched = onMatched;
    // The queue moved: ask where we are now (bursts coalesced).
    this.on("talk:changed", () => this.#soon());
    this.on("talk:matched", ({ callId }) => this.#matched(callId));
    this.syncOnConnect(() => void this.sync());
  }

  async sync() {
    const reply = await this.send("talk:sync");
    if (reply?.status) this.#apply(reply.status);
  }

  async request(preferences: { language?: string; experience: string[] }) {
    this.busy = true;
    try {
      const reply = await this.send("talk:request", preferences);
      if (reply?.status) this.#apply(reply.status);
    } finally {
      this.busy = false;
    }
  }

  async cancel() {
    if (this.status?.state !== "waiting") return;
    this.busy = true;
    try {
      const reply = await this.send("talk:cancel", { requestId: this.status.requestId });
      if (reply?.status) this.#apply(reply.status);
    } finally {
      this.busy = false;
    }
  }

  #soon() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.sync(), 300);
  }

  #apply(status: TalkStatus) {
    this.status = status;
    if (status.state === "matched") this.#matched(status.callId);
    // Look again when the search widens, so the page says so.
    if (status.state === "waiting" && status.widensAt) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.sync(), Math.max(1000, Date.parse(status.widensAt) - Date.now() + 500));
    }
  }

  #matched(callId: string) {
    if (this.matchedCallId) return;
    this.matchedCallId = callId;
    this.#onMatched(callId);
  }

  override destroy() {
    clearTimeout(this.#timer);
    super.destroy();
  }
}

/** A volunteer's on-call page: on/off call, and the offer to accept or decline. */
export class OnCallClient extends TalkSocket {
  status = $state<OnCallStatus | null>(null);
  /** Why the last offer vanished, when the volunteer should know (cleared by the next offer). */
  notice = $state<string | null>(null);
  #onAccepted: (callId: string) => void;
  /** Offers come and go as events: a status read from before one must not undo it (seen under load). */
  readonly #reads = new FreshReads();

  constructor(socket: Client, onAccepted: (callId: string) => void) {
    super(socket);
    this.#onAccepted = onAccepted;
    this.on("talk:offer", (offer: TalkOfferView) => {
      this.#reads.heard();
      this.notice = null;
      if (this.status) this.status = { ...this.status, offer };
    });
    this.on("talk:offer-closed", ({ offerId, reason }) => {
      this.#reads.heard();
      if (this.status?.offer?.offerId === offerId) {
        this.status = { ...this.status, offer: null };
        if (reason === "left") this.notice = "The person who asked has left, so that request has gone.";
      }
      void this.sync();
    });
    this.on("oncall:changed", () => void this.sync());
    this.syncOnConnect(() => void this.sync());
  }

  async sync() {
    const onCall = await this.#reads.read(async () => (await this.send("oncall:sync"))?.onCall ?? null);
    if (onCall) this.status = onCall;
  }

  async start(slotId?: string) {
    this.busy = true;
    try {
      const reply = await this.send("oncall:start", slotId ? { slotId } : {});
      if (reply?.onCall) this.status = reply.onCall;
    } finally {
      this.busy = false;
    }
  }

  async stop() {
    const reply = await this.send("oncall:stop");
    if (reply?.onCall) this.status = reply.onCall;
  }

  async accept() {
    const offer = this.status?.offer;
    if (!offer) return;
    this.busy = true;
    try {
      const reply = await this.send("talk:accept", { offerId: offer.offerId });
      if (reply?.callId) this.#onAccepted(reply.callId);
      else await this.sync();
    } finally {
      this.busy = false;
    }
  }

  async decline() {
    const offer = this.status?.offer;
    if (!offer) return;
    await this.send("talk:decline", { offerId: offer.offerId });
    await this.sync();
  }
}

type Side = "worker" | "volunteer";

/**
 * One side of a private 1:1 call: its state, side-chat (never stored) and its
 * audio: the call's own two-person LiveKit room when realtime hands out a
 * token for it, else a two-person mesh.
 */
export class CallClient extends TalkSocket {
  view = $state<CallView | null>(null);
  chat = $state<CallChatLine[]>([]);
  joined = $state(false);

  readonly #callId: string;
  #listenOnly = false;
  readonly #signaller = new RelaySignaller({
    self: () => this.me,
    present: () => this.view?.present ?? [],
    send: (to, signal) => this.socket.emit("call:signal", { to, signal }),
  });

  readonly #audio: AudioLink;

  constructor(socket: Client, callId: string, iceServers: RTCIceServer[]) {
    super(socket);
    this.#callId = callId;
    // The token from call:join first; a fresh one (call:audio-token) for every later connection.
    this.#audio = new AudioLink({
      freshToken: () => this.#audioToken(),
      signaller: this.#signaller,
      iceServers,
    });
    this.on("call:state", (v) => this.#apply(v));
    this.on("call:chat", (line) => (this.chat = [...this.chat, line].slice(-100)));
    this.on("rtc:signal", (m) => this.#signaller.receive(m));
    this.syncOnConnect(() => void this.#enter());
  }

  /** What the call's audio says now (null before joining and after hanging up). */
  get audio(): AudioSnapshot | null {
    return this.#audio.audio;
  }

  /** How realtime said this call's audio travels (null before call:join answered). */
  get audioKind() {
    return this.#audio.kind;
  }

  get me(): Side | null {
    return this.view?.me ?? null;
  }

  /** Reads the call (and takes our place again after a reconnect); returns how its audio travels. */
  async #enter(): Promise<RoomAudio | null> {
    const reply = await this.send("call:join", { callId: this.#callId });
    if (reply?.call) this.#apply(reply.call);
    if (this.#audio.transport?.snapshot().state === "failed" && reply?.audio) void this.#restartAudio();
    return reply?.audio ?? null;
  }

  /** Starts the audio (the microphone is asked for only now, and never when listening only). */
  async join(listenOnly: boolean) {
    this.busy = true;
    try {
      const audio = (await this.#enter()) ?? { kind: "mesh" as const };
      if (this.view?.status !== "active") return;
      this.#listenOnly = listenOnly;
      await this.#startAudio(audio);
    } finally {
      this.busy = false;
    }
  }

  async #startAudio(audio: RoomAudio) {
    const transport = this.#audio.start(audio);
    this.joined = true;
    try {
      await transport.join({ listenOnly: this.#listenOnly, startMuted: this.#listenOnly });
    } catch (e) {
      this.error = isAudioJoinError(e) ? e.message : "The audio could not start. You can still use the chat.";
    }
  }

  /** A fresh token for the call's LiveKit room; rejects when the call no longer lets us in. */
  async #audioToken(): Promise<string> {
    const reply = await this.send("call:audio-token");
    if (reply?.audio?.kind !== "livekit") throw new Error("No audio token: the call has not let us back in.");
    return reply.audio.token;
  }

  /** After LiveKit gave up and the socket came back: connect the call's audio again from scratch. */
  async #restartAudio() {
    if (!this.#audio.transport || this.view?.status !== "active") return;
    await this.#audio.stop(false);
    const reply = await this.send("call:audio-token");
    if (reply?.audio) await this.#startAudio(reply.audio);
  }

  /** The LiveKit room of this call, when it goes through LiveKit (tests reach it through window.offshiftCall). */
  liveKitRoom() {
    return this.#audio.transport instanceof LiveKitTransport ? this.#audio.transport.room : null;
  }

  async setMuted(muted: boolean) {
    try {
      await this.#audio.transport?.setMuted(muted);
    } catch (e) {
      this.error = isAudioJoinError(e) ? e.message : "The microphone could not start.";
    }
  }

  async say(text: string): Promise<boolean> {
    return (await this.send("call:chat", { text })) !== null;
  }

  async end() {
    await this.send("call:end");
    await this.#hangUp();
  }

  startAudio() {
    return this.#audio.transport?.startAudio();
  }

  /** Inbound audio statistics (tests read these through window.offshiftCall). */
  stats() {
    return this.#audio.transport?.stats() ?? Promise.resolve([]);
  }

  get listenOnly() {
    return this.#listenOnly;
  }

  override destroy() {
    super.destroy();
    void this.#hangUp();
  }

  #apply(next: Omit<CallView, "me"> & { me?: Side }) {
    const me = next.me ?? this.view?.me;
    if (!me) return;
    const before = this.view?.present ?? [];
    this.view = { ...next, me };
    this.#signaller.presentChanged(before, next.present);
    if (next.status === "ended") void this.#hangUp();
  }

  async #hangUp() {
    this.joined = false;
    await this.#audio.stop(true);
  }
}

/**
 * "Someone's here for you": a system notification if the person allowed
 * them (asked only from a button), else the tab title changes. No sound.
 */
export function announceMatch(message: PushMessage) {
  // The same discreet words as a push (a shared or employer-issued phone, a tab seen over a shoulder):
  // nothing in the tab's title or the alert says what this is.
  const { title, body, tag } = pushNotification(message, true);
  document.title = `● ${title}`;
  if (typeof Notification !== "undefined" && Notification.permission === "granted") {
    try {
      new Notification(title, { body, tag });
    } catch {
      // Some mobile browsers only allow notifications from a service worker: the title is enough.
    }
  }
}
