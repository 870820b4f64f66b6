import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "offshift_realtime_" });
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
    databaseUp: new Gauge({
      name: "offshift_realtime_database_up",
      help: "1 when the last readiness check reached PostgreSQL, else 0",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
