import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@offshift/core";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One Socket.IO connection per tab, with an observable connection state. */
class RealtimeConnection {
  state = $state<ConnectionState>("connecting");
  socket: Client | undefined;

  connect(config: { url: string | null; port: number }): Client {
    if (this.socket) return this.socket;
    const url = config.url ?? `${location.protocol}//${location.hostname}:${config.port}`;
    const socket: Client = io(url, {
      transports: ["websocket", "polling"],
      withCredentials: true,
      reconnectionDelayMax: 10_000,
    });
    socket.on("connect", () => (this.state = "live"));
    socket.on("disconnect", () => (this.state = "reconnecting"));
    socket.io.on("reconnect_attempt", () => (this.state = "reconnecting"));
    socket.io.on("reconnect_failed", () => (this.state = "offline"));
    socket.on("connect_error", () => {
      if (!socket.active) this.state = "offline";
      else this.state = "reconnecting";
    });
    this.socket = socket;
    return socket;
  }
}

export const realtime = new RealtimeConnection();
