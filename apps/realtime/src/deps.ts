import type { Db, LiveRoomCache } from "@offshift/db";
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from "@offshift/core";
import type { Logger } from "pino";
import type { Server } from "socket.io";
import type { CommandGate } from "./gate.js";
import type { AudioBackend } from "./livekit.js";

export type RealtimeIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * What a realtime node's handlers share: its Socket.IO server, database,
 * identity, clock, audio backend and admission gate. Made once in server.ts.
 */
export interface NodeDeps {
  io: RealtimeIo;
  db: Db;
  nodeId: string;
  /** Keys the per-room member aliases. */
  aliasSecret: string;
  logger: Logger;
  now: () => Date;
  /** How audio travels: LiveKit when configured, else the embedded mesh (see livekit.ts). */
  audio: AudioBackend;
  /**
   * With LiveKit: checks everyone it holds against the rooms' state (the
   * backstop for a lost webhook) and says who is in each drop-in's room;
   * null when it cannot be asked. Unset for the mesh.
   */
  audioSweep?: () => Promise<Map<string, Set<string>> | null>;
  /** Admission: one command at a time per room, busy when too much is waiting (see gate.ts). */
  gate: CommandGate;
  /** The rooms this node has read: a hint checked on every write (see packages/db room/command.ts). */
  roomCache: LiveRoomCache;
}
