import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Counts kept elsewhere (the database package's), read when /metrics is scraped. */
export interface MetricSources {
  roomWrites?: () => { statements: number; rooms: number };
}

export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "offshift_realtime_" });
  /** A counter whose total is kept elsewhere, read when /metrics is scraped (left alone when unknown). */
  const countedElsewhere = (name: string, help: string, read: () => number | undefined) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const total = read();
        if (total === undefined) return;
        this.reset();
        this.inc(total);
      },
    });
  return {
    registry,
    socketsConnected: new Gauge({
      name: "offshift_realtime_sockets_connected",
      help: "Socket.IO connections currently open on this node",
      registers: [registry],
    }),
    connectionsTotal: new Counter({
      name: "offshift_realtime_connections_total",
      help: "Socket.IO connections accepted since start",
      registers: [registry],
    }),
    ticketsRejected: new Counter({
      name: "offshift_realtime_tickets_rejected_total",
      help: "Socket connections refused at the handshake, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    commandsInFlight: new Gauge({
      name: "offshift_realtime_commands_in_flight",
      help: "Room and talk commands admitted on this node and not yet answered (running or waiting their turn)",
      registers: [registry],
    }),
    commandsBusy: new Counter({
      name: "offshift_realtime_commands_busy_total",
      help: "Commands refused at once as busy (too much waiting on this node or for one room or call)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: "offshift_realtime_command_seconds",
      help: "Time from admitting a command to its answer, including waiting its turn",
      labelNames: ["kind"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    roomWriteStatements: countedElsewhere(
      "offshift_realtime_room_write_statements_total",
      "Statements that wrote everyday room changes (hands, chat, joins); each carries the rooms decided in one turn of the event loop",
      () => sources.roomWrites?.().statements,
    ),
    roomWrites: countedElsewhere(
      "offshift_realtime_room_writes_total",
      "Room changes written by those statements (divided by them: rooms per statement)",
      () => sources.roomWrites?.().rooms,
    ),
    databaseUp: new Gauge({
      name: "offshift_realtime_database_up",
      help: "1 when the last readiness check reached PostgreSQL, else 0",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
