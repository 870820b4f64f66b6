import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";
import {
  PUBLIC_ROOM,
  callChannel,
  channelOf,
  ROTA_ROOM,
  type AttendanceChanged,
  type Identity,
  type RotaChanged,
  type ScheduleChanged,
  type ServerToClientEvents,
  personChannel,
} from "@offshift/core";
import { loadCallView, type Db } from "@offshift/db";
import { env } from "./env.js";
import { logger } from "./logger.js";
import { invalidateTonight } from "./tonight.js";

/**
 * Domain events leave web through the official Socket.IO Postgres emitter;
 * every realtime node's adapter hears them and delivers to its browsers.
 * Web never calls realtime directly.
 */
let emitter: Emitter<ServerToClientEvents> | undefined;

function getEmitter(): Emitter<ServerToClientEvents> {
  if (!emitter) {
    const pool = new pg.Pool({ connectionString: env().DATABASE_URL, max: 2 });
    pool.on("error", (err) => logger.warn({ err: err.message }, "event pool error"));
    pool.on("connect", (client) =>
      client.on("error", (err) => logger.warn({ err: err.message }, "event client error")),
    );
    emitter = new Emitter<ServerToClientEvents>(pool);
  }
  return emitter;
}

/*
 * Tonight's cache (tonight.ts) is cleared here, before the event goes out: the
 * response to the change, and every request after it, reads the database.
 */
export function publishAttendanceChanged(payload: AttendanceChanged): void {
  invalidateTonight();
  getEmitter().to(PUBLIC_ROOM).emit("dropin:attendance", payload);
}

/**
 * 1:1 offers withdrawn outside realtime (someone erased their account or was
 * forgotten): the volunteer's offer closes and the worker waits for someone else.
 */
export function publishTalkOffersClosed(
  closed: { offerId: string; volunteerId: string; requester: Identity | null }[],
) {
  for (const c of closed) {
    getEmitter()
      .to(personChannel(c.volunteerId))
      .emit("talk:offer-closed", { offerId: c.offerId, reason: "withdrawn" });
    if (c.requester) getEmitter().to(channelOf(c.requester)).emit("talk:changed");
  }
}

/**
 * 1:1 calls ended outside realtime (one side erased or forgotten): both
 * pages get the ended call's state, as when a side hangs up.
 */
export async function publishCallsEnded(db: Db, callIds: readonly string[], now: Date): Promise<void> {
  for (const callId of callIds) {
    const view = await loadCallView(db, callId, now);
    if (view) getEmitter().to(callChannel(callId)).emit("call:state", view);
  }
}

/** Ends every open socket of one person or guest, on every realtime node. */
export function disconnectIdentity(room: string): void {
  getEmitter().in(room).disconnectSockets(true);
}

export function publishScheduleChanged(payload: ScheduleChanged): void {
  invalidateTonight();
  getEmitter().to(PUBLIC_ROOM).emit("dropin:schedule", payload);
}

/** Tells open rota pages (volunteers and coordinators only) to fetch their data again. */
export function publishRotaChanged(payload: RotaChanged): void {
  getEmitter().to(ROTA_ROOM).emit("rota:changed", payload);
}

/**
 * A session was cancelled while its room was open (already ended in the
 * database): every realtime node takes its people out, as mod:end does.
 */
export function publishRoomCancelled(occurrenceId: string): void {
  getEmitter().serverSideEmit("room:cancelled", occurrenceId);
}
