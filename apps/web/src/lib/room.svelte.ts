import type { Socket } from "socket.io-client";
import { MESH_FULL_MESSAGE, PATCH_GAP_MS, RoomPatches, STILL_BUSY_MESSAGE } from "@offshift/core/browser";
import { SUPERSEDED, emitWithRetry } from "$lib/ack.js";
import type {
  ClientToServerEvents,
  RoomAck,
  RoomAudio,
  RoomError,
  RoomChatLine,
  RoomReply,
  RoomSnapshot,
  ServerToClientEvents,
} from "@offshift/core/browser";
import { AudioLink } from "$lib/audio/audio-link.svelte.js";
import { LiveKitTransport } from "$lib/audio/livekit.js";
import { RelaySignaller } from "$lib/audio/relay-signaller.js";
import { isAudioJoinError, type AudioSnapshot } from "$lib/audio/transport.js";

/** Commands that set something (a hand, the microphone, a status, the lock): only the latest one counts. */
const LATEST_ONLY = ["room:hand", "room:mute", "room:status", "mod:lock"];

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Refusals that mean "not this room, not now": the page shows them with what to do instead. */
const TURNED_AWAY: readonly RoomError["code"][] = ["full", "locked", "cancelled", "not_running", "ended", "not_open"];

/** Side-chat lines kept on screen (the server's replay buffer is the same size). */
const CHAT_ON_SCREEN = 100;

/**
 * The browser side of one live room: the authoritative snapshot from
 * realtime (replaced on every change and after every reconnect), side-chat,
 * and the audio transport. Components read its $state and call its methods;
 * every rule is enforced by the server, this only reflects it.
 */
export class RoomClient {
  snapshot = $state<RoomSnapshot | null>(null);
  memberId = $state<string | null>(null);
  chat = $state<RoomChatLine[]>([]);
  /** Why we are out: removed by a facilitator, the session ended, we left, or the room turned us away. */
  outcome = $state<"removed" | "ended" | "left" | "refused" | null>(null);
  error = $state<string | null>(null);
  /** Why the room turned us away (full, locked, cancelled, not going ahead, over): shown with what to do next. */
  refusal = $state<RoomError | null>(null);
  notice = $state<string | null>(null);
  joining = $state(false);

  readonly #socket: Client;
  readonly #occurrenceId: string;
  #listenOnly = false;
  #joined = false;
  readonly #signaller = new RelaySignaller({
    self: () => this.memberId,
    present: () => this.snapshot?.members.map((m) => m.id) ?? [],
    send: (to, signal) => this.#socket.emit("rtc:signal", { to, signal }),
  });
  #off: (() => void)[] = [];
  readonly #audio: AudioLink;

  constructor(socket: Client, occurrenceId: string, iceServers: RTCIceServer[]) {
    this.#socket = socket;
    this.#occurrenceId = occurrenceId;
    this.#audio = new AudioLink({
      freshToken: () => this.#audioToken(),
      signaller: this.#signaller,
      iceServers,
    });
    const on = <E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) => {
      socket.on(event, handler as never);
      this.#off.push(() => socket.off(event, handler as never));
    };
    on("room:state", (s) => this.#apply(s));
    // Changes come as changes: applied in version order; one that stays missing means fetching the whole room.
    on("room:patch", (p) => this.#settled(this.#patches.receive(this.snapshot, p)));
    on("room:chat", (line) => this.#addChat([line]));
    on("room:removed", () => void this.#out("removed"));
    on("room:ended", () => void this.#out("ended"));
    on("rtc:signal", (m) => this.#signaller.receive(m));
    // After a reconnect (a dropped phone signal, a realtime restart): take the
    // same seat again and fetch what we missed.
    const onConnect = () => {
      if (this.#joined) void this.#rejoin();
    };
    socket.on("connect", onConnect);
    this.#off.push(() => socket.off("connect", onConnect));
  }

  /** What the room's audio says now (null before joining and after leaving). */
  get audio(): AudioSnapshot | null {
    return this.#audio.audio;
  }

  /** Which audio path realtime chose for this room (null before joining). */
  get audioKind() {
    return this.#audio.kind;
  }

  get me() {
    return this.snapshot?.members.find((m) => m.id === this.memberId) ?? null;
  }

  /** Joins the room, then its audio (the microphone is asked for only now, and never when listening only). */
  async join(listenOnly: boolean): Promise<void> {
    this.joining = true;
    this.error = null;
    this.refusal = null;
    try {
      const reply = await this.#send("room:join", { occurrenceId: this.#occurrenceId, listenOnly });
      if (!reply) return;
      this.#joined = true;
      this.#listenOnly = listenOnly;
      await this.#startAudio(reply.audio ?? { kind: "mesh" }, listenOnly);
    } finally {
      this.joining = false;
    }
  }

  /**
   * LiveKit when realtime is configured for it (its join answer carries the
   * server's address and a short-lived token), the built-in mesh otherwise.
   */
  async #startAudio(audio: RoomAudio, listenOnly: boolean, startMuted = listenOnly): Promise<void> {
    // Muted by a facilitator: a LiveKit token may not publish, so do not take the microphone at all.
    if (audio.kind === "livekit" && this.me?.mutedByFacilitator) listenOnly = startMuted = true;
    const transport = this.#audio.start(audio);
    try {
      await transport.join({ listenOnly, startMuted });
    } catch (e) {
      // The built-in audio's own words name server configuration: a worker gets core's plain ones.
      this.error = !isAudioJoinError(e)
        ? "The audio could not start. You can still use the chat."
        : e.code === "mesh_full"
          ? MESH_FULL_MESSAGE
          : e.message;
    }
    this.#enforceMutes();
  }

  /** A fresh LiveKit token (tokens live minutes: a reconnect needs a new one). */
  async #audioToken(): Promise<string> {
    const reply = await this.#send("room:audio-token", {});
    if (reply?.audio?.kind !== "livekit") throw new Error("No audio token: the room has not let us back in.");
    return reply.audio.token;
  }

  /** Connects the audio again from scratch (a new LiveKit token carries the member's current rights). */
  async #restartAudio(listenOnly: boolean, startMuted: boolean): Promise<void> {
    await this.#audio.stop(false);
    if (!this.#joined) return;
    const audio = await this.#send("room:audio-token", {});
    if (audio?.audio) await this.#startAudio(audio.audio, listenOnly, startMuted);
  }

  async leave(): Promise<void> {
    await this.#send("room:leave", {});
    await this.#out("left");
  }

  async setMuted(muted: boolean): Promise<void> {
    if (!muted && this.me?.mutedByFacilitator) {
      this.error = "The facilitator has muted you. Raise your hand or use the chat.";
      return;
    }
    if (!muted && this.#audio.transport?.kind === "livekit" && this.#audio.transport.snapshot().listenOnly) {
      // LiveKit: a listen-only token may not publish. Tell the room first, then reconnect with a token that may.
      if (!(await this.#send("room:mute", { muted: false }))) return;
      this.#listenOnly = false;
      await this.#restartAudio(false, false);
      return;
    }
    try {
      await this.#audio.transport?.setMuted(muted);
    } catch (e) {
      this.error = isAudioJoinError(e) ? e.message : "The microphone could not start.";
      return;
    }
    await this.#send("room:mute", { muted });
  }

  hand(raised: boolean) {
    return this.#send("room:hand", { raised });
  }
  status(status: "ok" | "need-a-minute") {
    return this.#send("room:status", { status });
  }
  async say(text: string): Promise<boolean> {
    return (await this.#send("room:chat", { text })) !== null;
  }
  moderate(event: "mod:mute" | "mod:lower-hand" | "mod:remove", participantId: string) {
    return this.#send(event, { participantId });
  }
  lowerAllHands() {
    return this.#send("mod:lower-all-hands", {});
  }
  lock(locked: boolean) {
    return this.#send("mod:lock", { locked });
  }
  open() {
    return this.#send("mod:open", {});
  }
  end() {
    return this.#send("mod:end", {});
  }
  async flag(category: string, participantId?: string): Promise<boolean> {
    const ok = (await this.#send("mod:flag", participantId ? { category, participantId } : { category })) !== null;
    if (ok) this.notice = "Concern recorded. A coordinator will see it.";
    return ok;
  }
  startAudio() {
    return this.#audio.transport?.startAudio();
  }
  /** The LiveKit room, when connected through LiveKit (tests drive its API directly through window.offshiftRoom). */
  liveKitRoom() {
    return this.#audio.transport instanceof LiveKitTransport ? this.#audio.transport.room : null;
  }
  /** Inbound audio statistics (tests read these through window.offshiftRoom). */
  stats() {
    return this.#audio.transport?.stats() ?? Promise.resolve([]);
  }

  destroy() {
    for (const off of this.#off) off();
    void this.#audio.transport?.leave();
  }

  async #rejoin() {
    const reply = await this.#send("room:join", { occurrenceId: this.#occurrenceId, listenOnly: this.#listenOnly });
    if (!reply) return;
    // LiveKit reconnects by itself; if it gave up while we were away, connect it again with a fresh token.
    if (this.#audio.transport?.kind === "livekit" && this.#audio.transport.snapshot().state === "failed")
      void this.#restartAudio(this.#listenOnly, this.#audio.transport.snapshot().muted);
    const sync = await this.#send("room:sync", { afterChatSeq: this.chat.at(-1)?.seq ?? 0 });
    if (sync?.chat) this.#addChat(sync.chat);
  }

  readonly #patches = new RoomPatches();
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #settled(r: { snapshot: RoomSnapshot | null; gap: boolean }) {
    if (r.snapshot) this.#apply(r.snapshot);
    if (!r.gap) {
      if (this.#gapTimer) clearTimeout(this.#gapTimer);
      this.#gapTimer = null;
    } else
      this.#gapTimer ??= setTimeout(() => {
        this.#gapTimer = null;
        this.#patches.clear();
        if (this.#joined) void this.#resync();
      }, PATCH_GAP_MS);
  }

  /** The whole room again, once at a time (patches that arrive meanwhile are caught up by its answer). */
  #resyncing: Promise<void> | null = null;
  #resync(): Promise<void> {
    this.#resyncing ??= (async () => {
      try {
        const sync = await this.#send("room:sync", { afterChatSeq: this.chat.at(-1)?.seq ?? 0 });
        if (sync?.chat) this.#addChat(sync.chat);
      } finally {
        this.#resyncing = null;
      }
    })();
    return this.#resyncing;
  }

  async #send(event: string, payload: unknown): Promise<RoomReply | null> {
    // Settings where only the latest counts: one still being retried after `busy` gives way to a newer one.
    const latestOnly = LATEST_ONLY.includes(event) ? event : undefined;
    const reply = await emitWithRetry<RoomAck<RoomReply>>(this.#socket as Socket, event, payload, 10_000, latestOnly);
    if (reply === SUPERSEDED) return null; // the newer one answers for it
    if (!reply) {
      this.error = "No answer from the server. Check your connection; we will keep trying.";
      return null;
    }
    if (!reply.ok) {
      const code = reply.error.code;
      if (code === "removed") void this.#out("removed");
      else if (code === "ended" && this.#joined) void this.#out("ended");
      else if (code === "busy") this.error = STILL_BUSY_MESSAGE;
      else if (event === "room:join" && TURNED_AWAY.includes(code)) {
        // Not let in (or, for a session called off, not kept in): say why, never just nothing.
        this.refusal = reply.error;
        if (this.#joined) void this.#out("refused");
      } else this.error = reply.error.message;
      return null;
    }
    this.error = null;
    if (reply.data) {
      this.memberId = reply.data.memberId;
      this.#apply(reply.data.snapshot);
      this.#settled(this.#patches.settle(this.snapshot));
      if (reply.data.chat) this.#addChat(reply.data.chat);
    }
    return reply.data ?? null;
  }

  #apply(next: RoomSnapshot) {
    if (this.snapshot && next.version < this.snapshot.version) return; // an older snapshot arriving late
    const before = this.snapshot?.members.map((m) => m.id) ?? [];
    this.snapshot = next;
    this.#signaller.presentChanged(
      before,
      this.snapshot.members.map((m) => m.id),
    );
    if (this.#joined && next.phase === "ended") void this.#out("ended");
    this.#enforceMutes();
  }

  /** A facilitator's mute, enforced here too: nobody plays that person's audio, and their own microphone stops. */
  #enforceMutes() {
    const t = this.#audio.transport;
    if (!t || !this.snapshot) return;
    for (const m of this.snapshot.members) {
      if (m.id === this.memberId) {
        if (m.mutedByFacilitator && !t.snapshot().muted) void t.setMuted(true);
      } else if (m.mutedByFacilitator) t.blockPeer(m.id);
      else t.unblockPeer(m.id);
    }
  }

  #addChat(lines: RoomChatLine[]) {
    const seen = this.chat.map((l) => l.seq);
    const merged = [...this.chat, ...lines.filter((l) => !seen.includes(l.seq))].sort((a, b) => a.seq - b.seq);
    this.chat = merged.slice(-CHAT_ON_SCREEN);
  }

  async #out(outcome: "removed" | "ended" | "left" | "refused") {
    this.#joined = false;
    this.outcome = outcome;
    await this.#audio.stop(true);
  }
}
