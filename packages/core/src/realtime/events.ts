import type { Actor } from "../access/can.js";

/**
 * Typed Socket.IO event maps shared by realtime, web (emitter) and the browser.
 * Types do not validate input: every client-to-server payload also has a zod
 * schema next to its handler.
 */

export interface AttendanceChanged {
  occurrenceId: string;
  /** How many people have said they plan to come. */
  planning: number;
}

export interface Welcome {
  nodeId: string;
  serverTime: string;
}

/** Something about the schedule changed: pages showing sessions reload their data. */
export interface ScheduleChanged {
  occurrenceId?: string;
  seriesId?: string;
  change: "cancelled" | "created" | "updated" | "moved" | "reassigned" | "opened" | "facilitator-late";
}

/** The rota changed (sign-up, drop, swap, auto-fill, templates): rota pages reload their data. */
export interface RotaChanged {
  /** Database slot ids concerned; empty means "anything may have changed". */
  slotIds: string[];
  change: "signup" | "drop" | "swap" | "offer" | "autofill" | "template";
}

export interface ServerToClientEvents {
  "rota:changed": (payload: RotaChanged) => void;
  "dropin:schedule": (payload: ScheduleChanged) => void;
  welcome: (payload: Welcome) => void;
  "dropin:attendance": (payload: AttendanceChanged) => void;
}

/** Browsers only listen for now; live rooms add their commands here. */
export type ClientToServerEvents = Record<never, never>;

export interface InterServerEvents {
  ping: () => void;
}

export interface SocketData {
  connectedAt: number;
  /** Who this socket is, from its verified ticket. */
  actor: Actor;
  /** "person:<id>", "guest:<id>" or "visitor:<key>": reaches all of one identity's sockets. */
  identityRoom: string;
}

/** Rooms every node understands. */
export const PUBLIC_ROOM = "public";
/** Volunteers and coordinators: rota changes. Nothing in it names anyone. */
export const ROTA_ROOM = "rota";
