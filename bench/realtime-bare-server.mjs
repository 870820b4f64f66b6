// The floor for bench/realtime.bench.mjs: a bare Socket.IO server (no adapter,
// no database, no tickets, no schemas, no rate limits) doing the same fan-out
// as apps/realtime's live rooms, with the same event names, acks and payload
// shapes (so JSON and framing cost the same). Run as its own process so its
// CPU and memory are measured apart from the load generator.
//   node bench/realtime-bare-server.mjs   -> prints "listening <port>"
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { Server } from "socket.io";

const http = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(http, { pingInterval: 20_000, pingTimeout: 20_000 });
/** occurrenceId -> room state, the same fields a LiveRoomState has. */
const rooms = new Map();

const room = (occurrenceId) => {
  let r = rooms.get(occurrenceId);
  if (!r)
    rooms.set(
      occurrenceId,
      (r = {
        occurrenceId,
        phase: "live",
        locked: false,
        capacity: 12,
        members: [],
        hands: [],
        chatSeq: 0,
        version: 0,
      }),
    );
  return r;
};
// Same shape as core's roomSnapshot.
const snapshot = (r) => ({
  occurrenceId: r.occurrenceId,
  phase: r.phase,
  locked: r.locked,
  capacity: r.capacity,
  placesLeft: Math.max(0, r.capacity - r.members.length),
  members: r.members.map((m) => ({
    id: m.id,
    name: m.name,
    facilitator: false,
    muted: m.muted,
    mutedByFacilitator: false,
    listenOnly: m.listenOnly,
    status: "ok",
    handPosition: r.hands.indexOf(m.id) + 1 || null,
  })),
  hands: [...r.hands],
  chatSeq: r.chatSeq,
  version: r.version,
});

io.on("connection", (socket) => {
  socket.emit("welcome", { nodeId: "bare", serverTime: new Date().toISOString() });
  let joined = null;
  let memberId = null;
  const ok = (ack, r, extra = {}) =>
    typeof ack === "function" && ack({ ok: true, data: { snapshot: snapshot(r), memberId, ...extra } });
  const fail = (ack) =>
    typeof ack === "function" && ack({ ok: false, error: { code: "not_in_room", message: "Join first." } });

  socket.on("room:join", (payload, ack) => {
    const r = room(String(payload?.occurrenceId));
    memberId = `m_${randomBytes(8).toString("hex")}`;
    joined = r;
    r.members.push({
      id: memberId,
      name: `Guest ${r.members.length + 1}`,
      muted: !!payload?.listenOnly,
      listenOnly: !!payload?.listenOnly,
    });
    r.version++;
    socket.join(`room:${r.occurrenceId}`);
    io.to(`room:${r.occurrenceId}`).emit("room:state", snapshot(r));
    ok(ack, r, { chat: [] });
  });
  socket.on("room:hand", (payload, ack) => {
    const r = joined;
    if (!r) return fail(ack);
    const up = r.hands.includes(memberId);
    if (!!payload?.raised !== up) {
      r.hands = up ? r.hands.filter((h) => h !== memberId) : [...r.hands, memberId];
      r.version++;
      io.to(`room:${r.occurrenceId}`).emit("room:state", snapshot(r));
    }
    ok(ack, r);
  });
  socket.on("room:chat", (payload, ack) => {
    const r = joined;
    if (!r) return fail(ack);
    const seq = ++r.chatSeq;
    r.version++;
    const me = r.members.find((m) => m.id === memberId);
    io.to(`room:${r.occurrenceId}`).emit("room:chat", {
      seq,
      from: memberId,
      name: me?.name ?? "",
      text: String(payload?.text),
      at: Date.now(),
    });
    io.to(`room:${r.occurrenceId}`).emit("room:state", snapshot(r));
    ok(ack, r);
  });
  socket.on("disconnect", () => {
    if (!joined) return;
    joined.members = joined.members.filter((m) => m.id !== memberId);
    joined.hands = joined.hands.filter((h) => h !== memberId);
    joined.version++;
  });
});

http.listen(0, "127.0.0.1", () => console.log(`listening ${http.address().port}`));
const stop = () => io.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
