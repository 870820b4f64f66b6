// Load generator and process probes for bench/realtime.bench.mjs.
// Every simulated participant is a socket.io-client socket (websocket
// transport) in this process; one shared 50 ms timer drives all of them, each
// acting once a second in its own 50 ms slot, so actions are spread evenly and
// the generator does not pile up timers.
import { readFileSync, readdirSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { io } from "socket.io-client";
import { BUSY_RETRIES, PATCH_GAP_MS, RoomPatches, busyRetryDelay } from "@offshift/core/browser";

export const ROOM_SIZE = 12;
const TICK_MS = 50;
const SLOTS = 1000 / TICK_MS; // one action per client per second
export const LOST_MS = 10_000;

// ---------- process probes (/proc) ----------

/** Resident set size of a process, in KiB (VmRSS). */
export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

const TICKS_PER_S = 100; // USER_HZ on Linux
function statOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}
/** CPU seconds used so far by a process (user + system). */
export const cpuSeconds = (pid) => (statOf(pid)?.cpuTicks ?? 0) / TICKS_PER_S;

/** CPU seconds used so far by every descendant of `pid` (PostgreSQL's server and backends). */
export function treeCpuSeconds(pid) {
  const parent = new Map();
  const cpu = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = statOf(name);
    if (!st) continue;
    parent.set(Number(name), st.ppid);
    cpu.set(Number(name), st.cpuTicks);
  }
  let total = 0;
  for (const [p, ticks] of cpu) {
    for (let a = parent.get(p); a && a > 1; a = parent.get(a))
      if (a === pid) {
        total += ticks;
        break;
      }
  }
  return total / TICKS_PER_S;
}

// ---------- statistics ----------

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------- participants ----------

/**
 * Realtime endpoints under load. `url` is the address, or `url(i)` participant
 * i's (two nodes); `auth(i)` returns the handshake auth for participant i
 * (ours: a fresh ticket), `occurrence(r)` the id of room r.
 */
export class Load {
  constructor({ url, auth, occurrence }) {
    this.url = url;
    this.auth = auth;
    this.occurrence = occurrence;
    this.clients = [];
    this.rooms = [];
    this.buckets = Array.from({ length: SLOTS }, () => []);
    this.sent = 0; // every command sent, joins included
    this.inflight = 0; // commands not acknowledged yet
    this.resetCounters();
  }

  resetCounters() {
    this.samples = { chat: [], hand: [] };
    this.ackRtt = [];
    this.acks = { ok: 0, errors: {}, busyRetries: 0 };
    this.lost = 0;
    // Hand changes the member changed again before the first was answered (it was still being retried
    // after `busy`): never acknowledged, so not lost; the newer change decides the hand.
    this.superseded = 0;
    // Hand changes acknowledged and changed again by the member before everyone had seen them: the newer
    // change carries the hand's state and is itself followed to everyone (patches arrive in order, and a
    // gap means a fresh snapshot), so the older one can no longer be told apart. Counted, not timed.
    this.overtaken = 0;
    this.unanswered = 0;
    this.resyncs = 0; // patches that did not follow what a client held: it fetched the whole room
  }

  ackError(code) {
    this.acks.errors[code] = (this.acks.errors[code] ?? 0) + 1;
  }

  /** Connects participants up to `total` (new rooms of 12), `concurrency` handshakes at a time; returns seconds taken. */
  async grow(total, concurrency = 48) {
    const started = performance.now();
    const want = [];
    while (this.clients.length + want.length < total) {
      const r = this.rooms.length;
      const room = { id: this.occurrence(r), members: [], pendingChat: new Map(), pendingHand: new Map() };
      this.rooms.push(room);
      for (let k = 0; k < ROOM_SIZE; k++) want.push({ room, slot: k, i: this.clients.length + want.length });
    }
    let next = 0;
    const worker = async () => {
      while (next < want.length) {
        const w = want[next++];
        await this.connectOne(w.room, w.slot, w.i);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return (performance.now() - started) / 1000;
  }

  async connectOne(room, slot, i) {
    const auth = this.auth(i);
    // Two nodes: `url(i)` spreads each room's members across them.
    const socket = io(typeof this.url === "function" ? this.url(i) : this.url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
      auth: typeof auth === "function" ? auth : (cb) => cb(auth),
    });
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (err) => reject(new Error(`connect refused: ${err.message}`)));
    });
    this.sent++;
    // As the browser does, patches that arrive before the join's answer are kept for when it comes.
    const early = [];
    const keepEarly = (patch) => early.push(patch);
    socket.on("room:patch", keepEarly);
    // As the browser does: `busy` means nothing was done, so the join is sent again shortly.
    let ack;
    for (let attempt = 1; ; attempt++) {
      ack = await new Promise((resolve) =>
        socket.emit("room:join", { occurrenceId: room.id, listenOnly: false }, resolve),
      );
      if (ack?.error?.code !== "busy" || attempt > BUSY_RETRIES) break;
      this.joinBusy = (this.joinBusy ?? 0) + 1;
      await sleep(busyRetryDelay(attempt, Math.random()));
    }
    if (!ack?.ok) {
      this.ackError(ack?.error?.code ?? "unknown");
      socket.disconnect();
      throw new Error(`room:join refused: ${JSON.stringify(ack?.error)}`);
    }
    const c = { i: this.clients.length, socket, room, slot, memberId: ack.data.memberId, snapshot: null, n: 0 };
    c.n = c.i % 3; // rooms do not all chat in the same second
    socket.on("room:chat", (line) => {
      const e = room.pendingChat.get(line.text);
      if (!e || e.sender === c || c.flooding) return;
      if (++e.got === e.need) this.done(room.pendingChat, line.text, e, "chat");
    });
    // Like the real client (apps/web/src/lib/room.svelte.ts): snapshots older than the one it has are ignored,
    // patches applied in version order, and a gap that lasts PATCH_GAP_MS means asking for the whole room.
    const patches = new RoomPatches();
    let gap = null;
    const hold = (snap) => {
      if (c.snapshot && snap.version <= c.snapshot.version) return;
      c.snapshot = snap;
      if (room.pendingHand.size === 0) return;
      for (const [mid, e] of room.pendingHand) {
        if (e.sender === c || c.flooding || e.seen & (1 << c.slot)) continue;
        if (snap.hands.includes(mid) !== e.raised) continue;
        e.seen |= 1 << c.slot;
        if (++e.got === e.need) this.done(room.pendingHand, mid, e, "hand");
      }
    };
    const settled = (r) => {
      if (r.snapshot) hold(r.snapshot);
      if (!r.gap) {
        clearTimeout(gap);
        gap = null;
      } else
        gap ??= setTimeout(() => {
          gap = null;
          patches.clear();
          this.resyncs++;
          socket.emit("room:sync", { afterChatSeq: 0 }, (r) => r?.ok && c.take(r.data.snapshot));
        }, PATCH_GAP_MS);
    };
    c.take = (snap) => {
      hold(snap);
      settled(patches.settle(c.snapshot));
    };
    c.take(ack.data.snapshot);
    socket.on("room:state", (snap) => c.take(snap));
    socket.off("room:patch", keepEarly);
    socket.on("room:patch", (patch) => settled(patches.receive(c.snapshot, patch)));
    for (const patch of early) settled(patches.receive(c.snapshot, patch));
    room.members.push(c);
    this.clients.push(c);
    this.buckets[c.i % SLOTS].push(c);
    return c;
  }

  done(map, key, e, kind) {
    map.delete(key);
    if (e.measured) this.samples[kind].push(performance.now() - e.t0);
  }

  act(c, measured) {
    if (c.flooding) return; // its once-a-second actions stop while it floods
    const room = c.room;
    // A member flooding is not waited for: its own socket is full of its own answers (others' p99 is the figure).
    const need = room.members.filter((m) => !m.flooding).length - 1;
    const step = c.n++ % 3;
    const n = c.n;
    this.sent++;
    const t0 = performance.now();
    this.inflight++;
    let attempt = 0;
    let send;
    const gen = step === 0 ? 0 : (c.handGen = (c.handGen ?? 0) + 1);
    const onAck = (ack) => {
      // As the browser does (apps/web/src/lib/ack.ts): `busy` means nothing was done; send it again shortly.
      if (ack?.error?.code === "busy" && ++attempt <= BUSY_RETRIES) {
        if (measured) this.acks.busyRetries++;
        setTimeout(
          () => {
            // As the browser does for settings: a hand change still waiting to be sent again gives way to a newer one.
            if (step !== 0 && c.handGen !== gen) {
              this.inflight--;
              return;
            }
            send();
          },
          busyRetryDelay(attempt, Math.random()),
        );
        return;
      }
      this.inflight--;
      entry.answered = ack?.ok ? "ok" : "refused";
      if (ack?.ok && ack.data?.snapshot) c.take(ack.data.snapshot);
      if (!ack?.ok) {
        // Refused (and the sender told so): nothing will fan out, so it is not waited for or counted lost.
        if (step === 0) room.pendingChat.delete(`${c.i}.${n}`);
        else if (room.pendingHand.get(c.memberId)?.t0 === t0) room.pendingHand.delete(c.memberId);
      }
      if (!measured) return;
      this.ackRtt.push(performance.now() - t0);
      if (ack?.ok) this.acks.ok++;
      else this.ackError(ack?.error?.code ?? "unknown");
    };
    let entry;
    if (step === 0) {
      // One chat line every 3 s per participant: under the 5-per-10 s chat limit.
      const text = `${c.i}.${n}`;
      entry = { t0, need, got: 0, sender: c, measured, answered: null };
      room.pendingChat.set(text, entry);
      send = () => c.socket.emit("room:chat", { text }, onAck);
    } else {
      const raised = step === 1;
      const last = room.pendingHand.get(c.memberId);
      if (last?.measured) {
        // Acknowledged and not yet seen by everyone when it was changed again: overtaken (see resetCounters).
        // Not answered yet: it was being retried after `busy`, never acknowledged.
        if (last.answered === "ok") this.overtaken++;
        else this.superseded++;
      }
      entry = { t0, need, got: 0, seen: 0, raised, sender: c, measured, answered: null };
      room.pendingHand.set(c.memberId, entry);
      send = () => c.socket.emit("room:hand", { raised }, onAck);
    }
    send();
  }

  /**
   * Everyone acts once a second for warmupMs + measureMs; only actions sent in
   * the measuring window count. Returns latency and cost figures for the window.
   */
  async traffic({ warmupMs, measureMs, probe }) {
    this.resetCounters();
    let tick = 0;
    let measuring = false;
    const timer = setInterval(() => {
      for (const c of this.buckets[tick++ % SLOTS]) this.act(c, measuring);
    }, TICK_MS);
    await sleep(warmupMs);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const before = probe();
    const cpu0 = process.cpuUsage();
    measuring = true;
    const t0 = performance.now();
    await sleep(measureMs);
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const after = probe();
    lag.disable();
    clearInterval(timer);
    // Let the last measured actions be answered (those refused `busy` are still being retried; a saturated
    // node drains its backlog), then arrive: what was acknowledged and never reached everyone 3 s after
    // the last answer, or was never answered, is lost. Late is not lost: it counts in the latency.
    const pendingMeasured = () =>
      this.rooms.reduce(
        (n, r) => n + [...r.pendingChat.values(), ...r.pendingHand.values()].filter((e) => e.measured).length,
        0,
      );
    await this.idle(30_000);
    const deadline = performance.now() + 3000;
    while (pendingMeasured() > 0 && performance.now() < deadline) await sleep(50);
    for (const r of this.rooms)
      for (const e of [...r.pendingChat.values(), ...r.pendingHand.values()]) {
        if (!e.measured) continue;
        this.lost++;
        if (e.answered === null) this.unanswered++;
      }
    for (const r of this.rooms) {
      r.pendingChat.clear();
      r.pendingHand.clear();
    }
    const all = [...this.samples.chat, ...this.samples.hand];
    // A delivery still missing 3 s after the window counts as 10 s.
    for (let k = 0; k < this.lost; k++) all.push(LOST_MS);
    const sort = (a) => [...a].sort((x, y) => x - y);
    const sAll = sort(all);
    const sChat = sort(this.samples.chat);
    const sHand = sort(this.samples.hand);
    const sAck = sort(this.ackRtt);
    return {
      sockets: this.clients.length,
      actions: this.ackRtt.length,
      deliveries: all.length,
      /** Every delivery's fan-out in ms (lost ones as LOST_MS), sorted: for pooling windows. */
      samples: sAll,
      p50: percentile(sAll, 50),
      p99: percentile(sAll, 99),
      chatP99: percentile(sChat, 99),
      handP99: percentile(sHand, 99),
      ackP50: percentile(sAck, 50),
      ackP99: percentile(sAck, 99),
      lost: this.lost,
      superseded: this.superseded,
      overtaken: this.overtaken,
      unanswered: this.unanswered,
      resyncs: this.resyncs,
      acks: { ...this.acks, errors: { ...this.acks.errors } },
      seconds,
      loadCpu: (cpu.user + cpu.system) / 1e6 / seconds,
      loopLagP99: lag.percentile(99) / 1e6,
      before,
      after,
    };
  }

  /** Keeps the first `n` participants (whole rooms) and disconnects the rest: the load drops at once. */
  shrink(n) {
    const gone = new Set(this.clients.splice(n));
    for (const c of gone) c.socket.disconnect();
    this.buckets = this.buckets.map((b) => b.filter((c) => !gone.has(c)));
    this.rooms = this.rooms.filter((r) => r.members.every((c) => !gone.has(c)));
  }

  /**
   * Participant `c` floods: `perSecond` hand raises and lowers, for as long as
   * the returned stop() is not called; stop() resolves with its acks by code.
   */
  flood(c, perSecond = 200) {
    const aside = c.flooding; // set aside already (see afterOverload): stays so after the flood
    c.flooding = true;
    const codes = {};
    let raised = false;
    const timer = setInterval(() => {
      for (let k = 0; k < perSecond / 100; k++)
        c.socket.emit("room:hand", { raised: (raised = !raised) }, (ack) => {
          const code = ack?.ok ? "ok" : (ack?.error?.code ?? "unknown");
          codes[code] = (codes[code] ?? 0) + 1;
        });
    }, 10);
    return async () => {
      clearInterval(timer);
      await sleep(500);
      c.flooding = aside;
      return codes;
    };
  }

  /** Waits until every command sent has its ack (a saturated server drains its backlog). */
  async idle(timeoutMs = 20_000) {
    const deadline = performance.now() + timeoutMs;
    while (this.inflight > 0 && performance.now() < deadline) await sleep(50);
  }

  async close() {
    for (const c of this.clients) c.socket.disconnect();
    this.clients = [];
    await sleep(200);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
