import { createServer, type Server as HttpServer } from "node:http";
import express from "express";
import helmet from "helmet";
import pg from "pg";
import type { Logger } from "pino";
import { Server } from "socket.io";
import {
  MAX_WATCHED_DROPINS,
  PUBLIC_ROOM,
  ROTA_ROOM,
  can,
  dropinWatchChannel,
  isId,
  verifyTicket,
} from "@offshift/core";
import DataLoader from "dataloader";
import {
  LiveRoomCache,
  admitTickets,
  closeDb,
  createDb,
  roomWriteCounts,
  type TicketAdmission,
  type TicketToAdmit,
} from "@offshift/db";
import {
  createLiveKitBackend,
  liveKitWebhookRouter,
  meshBackend,
  sweepLiveKitRooms,
  type LiveKitConfig,
} from "./livekit.js";
import type { NodeDeps, RealtimeIo } from "./deps.js";
import { soloAwareAdapter } from "./adapter.js";
import { CommandGate, type GateLimits } from "./gate.js";
import { MAX_SOCKETS_PER_IDENTITY, TOO_MANY_SOCKETS } from "./limits.js";
import { createMetrics } from "./metrics.js";
import { followCancellations, followRoomExits, registerRoomHandlers, roomChannel, startRoomKeeper } from "./rooms.js";
import { startTalk, type TalkOptions } from "./talk.js";
import type { Agent } from "node:https";
import { createPushSender, type VapidConfig } from "./push.js";

export type { RealtimeIo } from "./deps.js";

export interface RealtimeOptions {
  databaseUrl: string;
  nodeId: string;
  /** "*" reflects any origin; otherwise an allow-list of exact origins. */
  corsOrigins: string[] | "*";
  /** Shared with web; verifies socket tickets (and keys per-room member aliases). */
  ticketSecret: string;
  logger: Logger;
  /** The time for room rules (a test clock in e2e). */
  now?: () => Date;
  /** The 1:1 matcher's timing (tests run it faster). */
  talk?: TalkOptions;
  /** The room keeper's timing (heartbeat, reaper, audio presence check; tests run it faster). */
  roomKeeper?: { everyMs?: number; staleMs?: number };
  /** LIVEKIT_URL/_API_KEY/_API_SECRET: audio through LiveKit; unset, the embedded mesh (6 a room). */
  liveKit?: LiveKitConfig;
  /** Web Push (VAPID_* set): talk offers and matches also go to devices that asked for them. */
  push?: { vapid: VapidConfig; /** tests: trusts the local push service */ agent?: Agent };
  /** How much may wait before commands are refused as busy (defaults in gate.ts; tests set them low). */
  gate?: Partial<GateLimits>;
  /** How often nodes announce themselves and when a silent one is forgotten (defaults 5 s / 10 s; tests run it faster). */
  clusterHeartbeat?: { heartbeatIntervalMs?: number; heartbeatTimeoutMs?: number };
}

export interface RealtimeServer {
  http: HttpServer;
  io: RealtimeIo;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const READY_CHECK_TIMEOUT_MS = 2000;

export function createRealtimeServer(options: RealtimeOptions): RealtimeServer {
  const { logger, nodeId } = options;
  const startedAt = Date.now();

  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 5,
    connectionTimeoutMillis: READY_CHECK_TIMEOUT_MS,
  });
  // A database restart must never take this process down: errors on idle or
  // checked-out clients (the adapter's LISTEN client) are logged, and the
  // adapter reconnects on its own.
  pool.on("error", (err) => logger.warn({ err: err.message }, "database connection lost"));
  pool.on("connect", (client) =>
    client.on("error", (err) => logger.warn({ err: err.message }, "database client error")),
  );

  // Room commands are one statement each (everyday ones of a busy moment share one: db's RoomWrites); ten
  // connections keep the gate's 128 admitted commands moving.
  const db = createDb(options.databaseUrl, { maxConnections: 10 });
  const metrics = createMetrics({ roomWrites: () => roomWriteCounts(db) });

  const app = express();
  app.disable("x-powered-by");
  app.use(helmet());

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok", nodeId, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  app.get("/readyz", async (_req, res) => {
    try {
      await Promise.race([
        pool.query("select 1"),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), READY_CHECK_TIMEOUT_MS)),
      ]);
      metrics.databaseUp.set(1);
      res.json({ status: "ready", nodeId, database: "up" });
    } catch (err) {
      metrics.databaseUp.set(0);
      res.status(503).json({
        status: "not_ready",
        nodeId,
        database: "down",
        reason: err instanceof Error ? err.message : "unknown",
      });
    }
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const now = options.now ?? (() => new Date());
  const liveKit = options.liveKit ? createLiveKitBackend(options.liveKit, logger, options.ticketSecret) : null;
  if (options.liveKit && liveKit)
    app.use(
      liveKitWebhookRouter({
        config: options.liveKit,
        backend: liveKit,
        db,
        aliasSecret: options.ticketSecret,
        logger,
        now,
        onRoomChanged: (occurrenceId, snapshot) => io.to(roomChannel(occurrenceId)).emit("room:state", snapshot),
      }),
    );

  app.use((_req, res) => {
    res.status(404).json({ error: "NOT_FOUND" });
  });

  const http = createServer(app);
  const io: RealtimeIo = new Server(http, {
    cors: { origin: options.corsOrigins === "*" ? true : options.corsOrigins, credentials: true },
    adapter: soloAwareAdapter(pool, {
      ...options.clusterHeartbeat,
      // Web LISTENs on this channel for drop-in events to keep Tonight current (apps/web/src/lib/server/tonight.ts).
      heardOutside: (event) => event.startsWith("dropin:"),
      onError: (err) => logger.warn({ err: err.message }, "cluster adapter error"),
    }),
    // Phones on mobile data drop briefly; keep the session through short gaps.
    pingInterval: 20_000,
    pingTimeout: 20_000,
  });

  // Handshakes that arrive together are admitted together: one statement for all of them (DataLoader
  // collects what one turn of the event loop brings, so a busy node batches more, a quiet one waits for nothing).
  const admissions = new DataLoader<TicketToAdmit, TicketAdmission>((tickets) => admitTickets(db, tickets), {
    cache: false,
    maxBatchSize: 128,
    batchScheduleFn: (run) => setImmediate(run),
  });
  const admitting = new Map<string, number>();
  // Every connection presents a 60-second ticket signed by web, once.
  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as { ticket?: unknown } | undefined;
    const verified = await verifyTicket(options.ticketSecret, auth?.ticket);
    if (!verified.ok) {
      metrics.ticketsRejected.inc({ reason: verified.reason });
      return next(new Error(`UNAUTHORIZED: ticket ${verified.reason}`));
    }
    try {
      // One round trip: the ticket is used up, and who the socket is in a room is read with it.
      const admitted = await admissions.load(verified.ticket);
      if (!admitted.fresh) {
        metrics.ticketsRejected.inc({ reason: "replayed" });
        return next(new Error("UNAUTHORIZED: ticket already used"));
      }
      socket.data.roomIdentity = admitted.identity;
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "ticket check failed");
      return next(new Error("UNAVAILABLE: please retry"));
    }
    // Counted here, synchronously with the admission: the identity's connected sockets (in its
    // identity channel, joined on connection) plus those admitted a moment ago and not yet connected.
    const identity = verified.ticket.identityRoom;
    const open = (io.of("/").adapter.rooms.get(identity)?.size ?? 0) + (admitting.get(identity) ?? 0);
    if (open >= MAX_SOCKETS_PER_IDENTITY) {
      metrics.ticketsRejected.inc({ reason: "too_many_sockets" });
      return next(new Error(TOO_MANY_SOCKETS));
    }
    admitting.set(identity, (admitting.get(identity) ?? 0) + 1);
    // Socket.IO connects (or drops) an admitted socket on the next tick: by then it is counted in its channel.
    setImmediate(() => {
      const left = (admitting.get(identity) ?? 1) - 1;
      if (left > 0) admitting.set(identity, left);
      else admitting.delete(identity);
    });
    socket.data.actor = verified.ticket.actor;
    socket.data.identityRoom = identity;
    next();
  });

  const roomDeps: NodeDeps = {
    io,
    db,
    nodeId,
    aliasSecret: options.ticketSecret,
    logger,
    now,
    audio: liveKit ?? meshBackend,
    gate: new CommandGate(options.gate, metrics),
    roomCache: new LiveRoomCache(),
    ...(liveKit
      ? { audioSweep: () => sweepLiveKitRooms({ backend: liveKit, db, aliasSecret: options.ticketSecret }) }
      : {}),
  };
  followRoomExits(io);
  followCancellations(roomDeps);
  const stopKeeper = startRoomKeeper(roomDeps, options.roomKeeper);
  const push = options.push ? createPushSender({ db, logger, ...options.push }) : undefined;
  const talk = startTalk(roomDeps, { ...options.talk, push });

  io.on("connection", (socket) => {
    registerRoomHandlers(socket, roomDeps);
    socket.data.connectedAt = Date.now();
    metrics.connectionsTotal.inc();
    metrics.socketsConnected.inc();
    const rota = can(socket.data.actor, "rota.signUp") || can(socket.data.actor, "rota.manage");
    void socket.join([PUBLIC_ROOM, socket.data.identityRoom, ...(rota ? [ROTA_ROOM] : [])]);
    socket.emit("welcome", { nodeId, serverTime: new Date().toISOString() });
    // A session's page shows its places: it hears when who is in that room changes (the last few it asked for).
    const watching: string[] = [];
    socket.on("dropin:watch", (payload: unknown, ack?: unknown) => {
      const reply = (r: { ok: true } | { ok: false; error: { code: "invalid"; message: string } }) => {
        if (typeof ack === "function") (ack as (r: unknown) => void)(r);
      };
      const occurrenceId = (payload as { occurrenceId?: unknown } | null)?.occurrenceId;
      if (typeof occurrenceId !== "string" || !isId(occurrenceId))
        return reply({ ok: false, error: { code: "invalid", message: "Unknown session" } });
      if (!watching.includes(occurrenceId)) {
        watching.push(occurrenceId);
        void socket.join(dropinWatchChannel(occurrenceId));
        if (watching.length > MAX_WATCHED_DROPINS) void socket.leave(dropinWatchChannel(watching.shift()!));
      }
      reply({ ok: true });
    });
    // A page in a room checks its link is alive (a phone losing signal often never says so): nothing to do but answer.
    socket.on("live:ping", (ack) => {
      if (typeof ack === "function") ack();
    });
    logger.debug({ socketId: socket.id }, "socket connected");
    socket.on("disconnect", (reason) => {
      metrics.socketsConnected.dec();
      logger.debug({ socketId: socket.id, reason }, "socket disconnected");
    });
  });

  return {
    http,
    io,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          if (err.code === "EADDRINUSE")
            reject(new Error(`PORT ${port} is already in use: choose another with PORT=...`));
          else if (err.code === "EACCES") reject(new Error(`PORT ${port} needs privileges this user does not have`));
          else reject(err);
        };
        http.once("error", onError);
        http.listen(port, host, () => {
          http.off("error", onError);
          const address = http.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async close() {
      stopKeeper();
      talk.stop();
      // Every step is bounded: a stop must never hang on a client that keeps a
      // connection open, a LISTEN client still connecting, or a query in flight.
      const bounded = (p: Promise<unknown>, ms: number) =>
        Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      // Idle keep-alive HTTP connections (webhooks, health checks) would hold the close open.
      http.closeAllConnections();
      await bounded(closed, 5000);
      await bounded(pool.end(), 2000);
      await bounded(closeDb(db), 5000);
    },
  };
}
