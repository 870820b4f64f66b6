import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessToken, RoomServiceClient, WebhookReceiver } from "livekit-server-sdk";
import {
  LiveKitServerError,
  PICKED_PORTS,
  findLiveKitServer,
  freePort,
  prepareLiveKitServer,
} from "@offshift/launcher";
import { liveKitServerForTests, prepareTestLiveKit, type TestLiveKit } from "@offshift/db/testing";

// The test harness itself, against the real server: generated keys, loopback
// ports, signed webhooks to a URL given before start, SIGKILL and restart on
// the same ports.
const bin = liveKitServerForTests("LiveKit server harness tests");

describe.skipIf(!bin)("the real LiveKit server on loopback", () => {
  let lk: TestLiveKit;
  let hooks: Server;
  const received: string[] = [];

  beforeAll(async () => {
    hooks = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        void new WebhookReceiver(lk.apiKey, lk.apiSecret)
          .receive(body, req.headers.authorization)
          .then((event) => received.push(event.event))
          .catch(() => received.push("bad-signature"))
          .finally(() => res.end());
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
    lk = await prepareTestLiveKit(bin!);
    lk.webhookUrls = [`http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`];
    await lk.start();
  }, 60_000);
  afterAll(async () => {
    await lk?.dispose();
    hooks?.close();
  });

  it("answers RoomService calls signed with its generated key, and refuses other keys", async () => {
    expect(lk.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(lk.apiSecret.length).toBeGreaterThanOrEqual(32);
    const rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
    await rooms.createRoom({ name: "harness-room" });
    expect((await rooms.listRooms()).map((r) => r.name)).toContain("harness-room");
    const stranger = new RoomServiceClient(lk.httpUrl, "someone", "x".repeat(40));
    await expect(stranger.listRooms()).rejects.toThrow();
  });

  it("posts signed webhooks to the URL it was given", async () => {
    const rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
    await rooms.createRoom({ name: "hooked-room" });
    await expect.poll(() => received, { timeout: 15_000 }).toContain("room_started");
    expect(received).not.toContain("bad-signature");
  });

  it("comes back on the same address after a SIGKILL", async () => {
    await lk.kill();
    expect(lk.running).toBe(false);
    await lk.start();
    const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity: "x" });
    token.addGrant({ roomList: true });
    const res = await fetch(`${lk.httpUrl}/twirp/livekit.RoomService/ListRooms`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token.toJwt()}` },
      body: "{}",
    });
    expect(res.status).toBe(200);
  });

  it("takes its ports where the system never hands one out by itself (listen(0), outgoing connections)", async () => {
    const [low] = (await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "32768"))
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(PICKED_PORTS.to).toBeLessThanOrEqual(low!);
    // Every port the launcher and the tests pick (the apps', the embedded PostgreSQL's), and LiveKit's.
    const picked = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of picked) expect([port >= PICKED_PORTS.from, port < PICKED_PORTS.to]).toEqual([true, true]);
    const config = await readFile(path.join(path.dirname(lk.logFile), "livekit.yaml"), "utf8");
    const ports = [...config.matchAll(/(?:^|\s)(?:port|tcp_port|udp_port): (\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(2);
    for (const port of ports.filter((p) => p !== 0)) {
      expect(port).toBeGreaterThanOrEqual(PICKED_PORTS.from);
      expect(port).toBeLessThan(PICKED_PORTS.to);
    }
  });
});

describe("finding and starting the binary", () => {
  it("names LIVEKIT_SERVER_BIN when it points at nothing", () => {
    expect(() => findLiveKitServer({ LIVEKIT_SERVER_BIN: "/nowhere/livekit-server", PATH: "" })).toThrow(
      /LIVEKIT_SERVER_BIN is \/nowhere\/livekit-server, but there is no executable file there/,
    );
    expect(() => findLiveKitServer({ LIVEKIT_SERVER_BIN: "/nowhere/livekit-server" })).toThrow(LiveKitServerError);
  });

  it("finds nothing on an empty PATH with no Go bin folder, or when told `off`", () => {
    expect(findLiveKitServer({ PATH: "", GOPATH: "/nowhere" })).toBeNull();
    if (bin) expect(findLiveKitServer({ PATH: path.dirname(bin) })).toBe(bin);
    expect(findLiveKitServer({ PATH: bin ? path.dirname(bin) : "", LIVEKIT_SERVER_BIN: "off" })).toBeNull();
  });

  it("refuses to prepare a server from a path that is not a binary", async () => {
    await expect(prepareLiveKitServer({ bin: "/nowhere/livekit-server", dir: "/tmp/x" })).rejects.toThrow(
      /no executable livekit-server at \/nowhere\/livekit-server/,
    );
  });
});
