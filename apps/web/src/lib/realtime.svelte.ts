import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@offshift/core";
import { watchLiveness } from "@offshift/core/browser";

import type { ConnectionState } from "./connection-labels.js";

export type { ConnectionState };

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One Socket.IO connection per tab, with an observable connection state. */
class RealtimeConnection {
  state = $state<ConnectionState>("connecting");
  socket: Client | undefined;
  #watchers = 0;
  #stopWatching: (() => void) | undefined;

  /**
   * While a room is open: a phone that loses its signal often does not tell the
   * page ("offline" never fires), and Socket.IO's own pings would take up to 40 s
   * to notice. So ask the server every 2 s; with no answer within 3 s, say
   * "Reconnecting…" and ask again; with none 2 s later, start a fresh
   * connection. A page that was frozen itself (a busy phone) is not taken for a
   * dead link (core's `watchLiveness`). Returns the function that stops it.
   */
  watchLiveness(): () => void {
    this.#watchers += 1;
    if (this.#watchers === 1)
      this.#stopWatching = watchLiveness(
        {
          connected: () => !!this.socket?.connected,
          ping: (answered) => this.socket?.emit("live:ping", answered),
          doubted: () => (this.state = "reconnecting"),
          answered: () => {
            if (this.socket?.connected) this.state = "live";
          },
          // The transport is stuck, not closed: close it so Socket.IO reconnects (and the room takes its seat again).
          dead: () => this.socket?.io.engine?.close(),
        },
        { now: () => performance.now(), set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t as number) },
      );
    return () => {
      this.#watchers -= 1;
      if (this.#watchers > 0) return;
      this.#stopWatching?.();
      this.#stopWatching = undefined;
    };
  }

  /**
   * `ticket`: one the page came with (the room page's), so the first connection
   * does not wait for a round trip to fetch one (seconds on a slow phone network).
   */
  connect(config: { url: string | null; port: number; ticket?: string }): Client {
    if (this.socket) return this.socket;
    const url = config.url ?? `${location.protocol}//${location.hostname}:${config.port}`;
    let handed = config.ticket;
    const socket: Client = io(url, {
      transports: ["websocket", "polling"],
      withCredentials: true,
      reconnectionDelayMax: 10_000,
      // A fresh single-use ticket from web on every (re)connection (the first may come with the page).
      auth: (cb) => {
        if (handed) {
          cb({ ticket: handed });
          handed = undefined; // single use: a reconnection fetches its own
          return;
        }
        fetch("/api/realtime-ticket", { credentials: "same-origin", cache: "no-store" })
          .then((r) => r.json() as Promise<{ ticket: string }>)
          .then(({ ticket }) => cb({ ticket }))
          .catch(() => cb({}));
      },
    });
    socket.on("connect", () => (this.state = "live"));
    socket.on("disconnect", () => (this.state = "reconnecting"));
    socket.io.on("reconnect_attempt", () => (this.state = "reconnecting"));
    socket.io.on("reconnect_failed", () => (this.state = "offline"));
    let retryDelay = 1000;
    socket.on("connect", () => (retryDelay = 1000));
    socket.on("connect_error", () => {
      if (socket.active) {
        this.state = "reconnecting";
        return;
      }
      // Refused at the handshake (e.g. a ticket that expired on a slow
      // network): Socket.IO does not retry these itself, so try again with a
      // new ticket, backing off.
      this.state = "offline";
      setTimeout(() => socket.connect(), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30_000);
    });
    // The phone says the signal is gone: say so now, not after Socket.IO's ping times out
    // (up to 45 s of a stale "Live"), and start reconnecting at once.
    window.addEventListener("offline", () => {
      if (socket.connected) socket.io.engine?.close();
      this.state = "reconnecting";
    });
    // Back: try now rather than at the end of the current back-off (up to 10 s).
    window.addEventListener("online", () => {
      if (!socket.connected) socket.disconnect().connect();
    });
    this.socket = socket;
    return socket;
  }
}

export const realtime = new RealtimeConnection();
