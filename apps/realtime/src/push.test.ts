import { createECDH } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  OFFER_TIMEOUT_MS,
  SHIFT_PRESETS,
  pushNotification,
  type Actor,
  type PushTopic,
  type TalkOfferView,
} from "@offshift/core";
import { closeDb, createDb, savePreferences, savePushSubscription, saveWorkPattern } from "@offshift/db";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { createPushSender, type VapidConfig } from "./push.js";
import { startDropInPushJob, startRotaPushJob } from "./push-job.js";
import { client, silentLogger, startNode, waitFor, type Client } from "./test-helpers.js";
import {
  decryptAes128gcm,
  privateJwkOf,
  startFakePushService,
  type FakePushService,
  type TestDevice,
} from "./test-push-service.js";

// Pushes go out with web-push to a push service on localhost that speaks the real
// protocol; it checks VAPID and decrypts each message with the device's private key
// using WebCrypto (not web-push's own http_ece), so a test passes only if a browser
// would read the same text.

/** RFC 8291 Appendix A (the example of section 5). */
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

function vapidPair(): VapidConfig {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString("base64url"),
    privateKey: Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()])
      .subarray(-32)
      .toString("base64url"),
    subject: "mailto:ops@offshift.example",
  };
}

let db: TestPrisma;
let url: string;
let drop: () => Promise<void>;
let service: FakePushService;
const vapid = vapidPair();

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "push");
  drop = t.drop;
  url = t.url;
  db = testPrisma(createDb(t.url));
  service = await startFakePushService();
});
afterAll(async () => {
  await service?.close();
  await closeDb(db);
  await drop();
});

async function guest(nickname: string): Promise<Actor & { kind: "guest" }> {
  const g = await db.guest.create({
    data: { nickname, tokenHash: `hash-${nickname}`, agreementAcceptedAt: new Date() },
  });
  return { kind: "guest", guestId: g.id };
}
async function volunteer(name: string): Promise<Actor & { kind: "person" }> {
  const p = await db.person.create({
    data: { displayName: name, roles: ["VOLUNTEER"], status: "APPROVED", languages: ["en"] },
  });
  return { kind: "person", personId: p.id, roles: ["VOLUNTEER"], status: "APPROVED" };
}
async function subscribe(actor: Actor, name: string, topics: PushTopic[], discreet = true): Promise<TestDevice> {
  const device = await service.device(name);
  const r = await savePushSubscription(db, {
    actor,
    subscription: { ...device.subscription, topics, discreet },
    now: new Date(),
  });
  expect(r.ok).toBe(true);
  return device;
}
const pushesTo = (name: string) => service.received.filter((p) => p.device === name);

describe("the test push service's decryption (not web-push's)", () => {
  it("reads RFC 8291's own example", async () => {
    const text = await decryptAes128gcm(new Uint8Array(Buffer.from(RFC8291.body, "base64url")), {
      privateJwk: privateJwkOf(RFC8291.uaPrivate, RFC8291.uaPublic),
      p256dh: RFC8291.uaPublic,
      auth: RFC8291.authSecret,
    });
    expect(text).toBe(RFC8291.plaintext);
  });

  it("refuses a message decrypted with the wrong device's keys", async () => {
    const other = await service.device("stranger");
    await expect(
      decryptAes128gcm(new Uint8Array(Buffer.from(RFC8291.body, "base64url")), {
        privateJwk: other.privateJwk,
        ...other.subscription.keys,
      }),
    ).rejects.toThrow();
  });
});

describe("pushing with web-push", () => {
  it("sends each device its own wording, VAPID-signed for the push service, with the TTL asked for", async () => {
    const owl = await guest("Owl");
    await subscribe(owl, "owl-phone", ["talk"], true);
    await subscribe(owl, "owl-tablet", ["talk"], false);
    await subscribe(owl, "owl-laptop", ["dropins"]);
    const sender = createPushSender({ db, logger: silentLogger, vapid, agent: service.agent });
    const message = { kind: "talk-ready", callId: "c-1" } as const;

    expect(await sender.send({ kind: "guest", id: owl.guestId }, "talk", message, { ttlSeconds: 90 })).toBe(2);

    const [phone] = pushesTo("owl-phone");
    expect(JSON.parse(phone!.text)).toEqual(pushNotification(message, true));
    expect(JSON.parse(phone!.text)).toMatchObject({ title: "It's your turn", url: "/talk/call/c-1" });
    expect(JSON.parse(pushesTo("owl-tablet")[0]!.text)).toMatchObject({ title: "A volunteer is ready for you" });
    expect(pushesTo("owl-laptop")).toEqual([]);
    expect(phone).toMatchObject({ ttl: 90, urgency: "high" });
    expect(phone!.vapid.key).toBe(vapid.publicKey);
    expect(phone!.vapid.claims).toMatchObject({ aud: service.origin, sub: "mailto:ops@offshift.example" });
    const lifetime = phone!.vapid.claims.exp - Date.now() / 1000;
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(24 * 3600);
  });

  it("a subscription the push service says is gone (410) is removed; other failures keep it", async () => {
    const kit = await guest("Kit");
    const gone = await subscribe(kit, "kit-old-phone", ["talk"]);
    const busy = await subscribe(kit, "kit-phone", ["talk"]);
    service.respond("kit-old-phone", 410);
    service.respond("kit-phone", 503);
    const sender = createPushSender({ db, logger: silentLogger, vapid, agent: service.agent });
    expect(await sender.send({ kind: "guest", id: kit.guestId }, "talk", { kind: "talk-ready", callId: "c-2" })).toBe(
      0,
    );
    expect(await db.pushSubscription.count({ where: { endpoint: gone.subscription.endpoint } })).toBe(0);
    expect(await db.pushSubscription.count({ where: { endpoint: busy.subscription.endpoint } })).toBe(1);
  });
});

describe("the 1:1 line pushes", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  const sockets: Client[] = [];
  const connect = async (actor: Actor) => {
    const s = client(node.url, actor);
    sockets.push(s);
    await waitFor(s, "welcome");
    return s;
  };
  const send = (s: Client, event: string, payload: unknown = {}) =>
    new Promise<{ ok: boolean; data?: Record<string, unknown> }>((resolve) =>
      (s.emit as (e: string, p: unknown, ack: (r: never) => void) => void)(event, payload, resolve),
    );

  beforeAll(async () => {
    node = await startNode(url, "push-a", {
      talk: { dispatchEveryMs: 100 },
      push: { vapid, agent: service.agent },
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await node.server.close();
  });

  it("the offer reaches the on-call volunteer's phone, and the worker's phone hears when it is accepted", async () => {
    const vera = await volunteer("Vera Push");
    const robin = await guest("Robin");
    await subscribe(vera, "vera-phone", ["offers"]);
    await subscribe(robin, "robin-phone", ["talk"], false);
    const veraPage = await connect(vera);
    expect(await send(veraPage, "oncall:start")).toMatchObject({ ok: true });
    const robinPage = await connect(robin);
    const offered = waitFor<TalkOfferView>(veraPage, "talk:offer");
    expect(await send(robinPage, "talk:request", {})).toMatchObject({ ok: true });
    const offer = await offered;

    await expect.poll(() => pushesTo("vera-phone").length).toBe(1);
    const push = pushesTo("vera-phone")[0]!;
    expect(JSON.parse(push.text)).toEqual({
      title: "New request",
      body: "Open within 30 s.",
      tag: "offer",
      url: `/volunteer/on-call?offer=${offer.offerId}`,
    });
    // It lives no longer than the offer does.
    expect(push.ttl).toBeLessThanOrEqual(OFFER_TIMEOUT_MS / 1000);
    expect(pushesTo("robin-phone")).toEqual([]);

    const matched = waitFor<{ callId: string }>(robinPage, "talk:matched");
    expect(await send(veraPage, "talk:accept", { offerId: offer.offerId })).toMatchObject({ ok: true });
    const { callId } = await matched;
    await expect.poll(() => pushesTo("robin-phone").length).toBe(1);
    expect(JSON.parse(pushesTo("robin-phone")[0]!.text)).toMatchObject({
      title: "A volunteer is ready for you",
      url: `/talk/call/${callId}`,
    });
  });
});

describe("on call with no page open", () => {
  let node: Awaited<ReturnType<typeof startNode>>;
  let clock = Date.now();
  const sockets: Client[] = [];
  const connect = async (actor: Actor) => {
    const s = client(node.url, actor);
    sockets.push(s);
    await waitFor(s, "welcome");
    return s;
  };
  const send = (s: Client, event: string, payload: unknown = {}) =>
    new Promise<{ ok: boolean; data?: Record<string, unknown> }>((resolve) =>
      (s.emit as (e: string, p: unknown, ack: (r: never) => void) => void)(event, payload, resolve),
    );
  /** Goes on call from the page, then closes it: only the device is left. */
  const onCallThenClose = async (actor: Actor) => {
    const s = await connect(actor);
    expect(await send(s, "oncall:start")).toMatchObject({ ok: true });
    s.disconnect();
  };

  beforeAll(async () => {
    await db.talkRequest.deleteMany();
    await db.onCall.deleteMany();
    node = await startNode(url, "push-b", {
      now: () => new Date(clock),
      talk: { dispatchEveryMs: 100, heartbeatEveryMs: 500 },
      push: { vapid, agent: service.agent },
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await node.server.close();
  });

  it("the volunteer gets the offer by push, opens the page from it and is in the call with the worker", async () => {
    const pat = await volunteer("Pat Pocket");
    await subscribe(pat, "pat-phone", ["offers"]);
    await onCallThenClose(pat);
    const wren = await connect(await guest("Wren"));
    expect(await send(wren, "talk:request", {})).toMatchObject({ ok: true });

    await expect.poll(() => pushesTo("pat-phone").length).toBe(1);
    const pushed = JSON.parse(pushesTo("pat-phone")[0]!.text) as { url: string };
    const offerId = new URL(pushed.url, "http://x").searchParams.get("offer");
    // The tap opens the on-call page, which finds the offer still waiting.
    const patPage = await connect(pat);
    const synced = await send(patPage, "oncall:sync");
    expect(synced).toMatchObject({ ok: true, data: { onCall: { offer: { offerId } } } });
    const matched = waitFor<{ callId: string }>(wren, "talk:matched");
    expect(await send(patPage, "talk:accept", { offerId })).toMatchObject({ ok: true });
    const { callId } = await matched;
    expect(
      await db.talkCall.findUnique({ where: { id: callId }, select: { volunteerId: true, status: true } }),
    ).toEqual({ volunteerId: pat.personId, status: "ACTIVE" });
    await db.talkCall.updateMany({ where: { id: callId }, data: { status: "ENDED", endedAt: new Date(clock) } });
    await db.onCall.deleteMany();
  });

  it("an offer pushed and not answered passes to the next volunteer after its timeout", async () => {
    const first = await volunteer("Una Answered");
    const second = await volunteer("Nell Next");
    await subscribe(first, "una-phone", ["offers"]);
    await subscribe(second, "nell-phone", ["offers"]);
    await onCallThenClose(first);
    const robin = await connect(await guest("Robin Two"));
    expect(await send(robin, "talk:request", {})).toMatchObject({ ok: true });
    await expect.poll(() => pushesTo("una-phone").length).toBe(1);
    // Nell comes on call (and closes her page) while Una's offer is out.
    await onCallThenClose(second);
    expect(pushesTo("nell-phone")).toEqual([]);

    // The worker's page stays; the clock moves past the offer's 30 s.
    for (let moved = 0; moved <= OFFER_TIMEOUT_MS; moved += 5000) {
      clock += 5000;
      await new Promise((r) => setTimeout(r, 150));
    }
    await expect.poll(() => pushesTo("nell-phone").length).toBe(1);
    expect(JSON.parse(pushesTo("nell-phone")[0]!.text)).toMatchObject({ title: "New request" });
    expect(await db.talkOffer.findMany({ where: { volunteerId: first.personId }, select: { status: true } })).toEqual([
      { status: "EXPIRED" },
    ]);
  });
});

describe("drop-in pushes", () => {
  it("a device that counted itself in is told, once, 10 minutes before, in its own wording", async () => {
    const start = new Date(Date.now() + 9 * 60_000);
    const lead = await db.person.create({
      data: { displayName: "Lead J", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const series = await db.dropInSeries.create({
      data: {
        title: "After a death",
        theme: "After a death",
        description: "x",
        capacity: 6,
        durationMinutes: 60,
        rrule: "FREQ=WEEKLY;BYDAY=MO",
        startsOnLocal: "2026-11-30T22:00:00",
        facilitatorId: lead.id,
      },
    });
    const occ = await db.dropInOccurrence.create({
      data: {
        seriesId: series.id,
        originalStart: start,
        startsAt: start,
        endsAt: new Date(start.getTime() + 3_600_000),
        title: series.title,
        theme: series.theme,
        description: series.description,
        capacity: 6,
        facilitatorId: lead.id,
      },
    });
    const jay = await guest("Jay");
    const phone = await service.device("jay-phone");
    await savePushSubscription(db, {
      actor: jay,
      subscription: { ...phone.subscription, topics: ["dropins"], discreet: true },
      now: new Date(),
      browserKey: "bk-jay",
    });
    await db.attendanceIntent.create({ data: { occurrenceId: occ.id, browserKey: "bk-jay" } });

    // Two nodes run the job at once.
    const jobs = [1, 2].map(() =>
      startDropInPushJob({ databaseUrl: url, logger: silentLogger, vapid, agent: service.agent, everyMs: 200 }),
    );
    try {
      await expect.poll(() => pushesTo("jay-phone").length).toBe(1);
      expect(JSON.parse(pushesTo("jay-phone")[0]!.text)).toEqual({
        title: "Starts in 10 minutes",
        body: "Tap to open.",
        tag: `dropin-${occ.id}`,
        url: `/sessions/${occ.id}`,
      });
      await db.dropInOccurrence.update({ where: { id: occ.id }, data: { status: "CANCELLED" } });
      await expect.poll(() => pushesTo("jay-phone").length).toBe(2);
      expect(JSON.parse(pushesTo("jay-phone")[1]!.text)).toMatchObject({ title: "Plans changed" });
    } finally {
      await Promise.all(jobs.map((stop) => stop()));
    }
  });
});

describe("rota pushes", () => {
  it("a volunteer who worked a night until 07:00 with 8 h rest is pushed nothing before 15:00, then the reminder once per device", async () => {
    // Monday 14 January 2030: Maria works the night to Tuesday 07:00 (GMT) and rests 8 hours.
    const maria = await volunteer("Maria N");
    const saved = await saveWorkPattern(db, {
      personId: maria.personId,
      shifts: [...SHIFT_PRESETS],
      builder: {
        cycleStartsOn: "2030-01-07",
        everyWeeks: 1,
        shifts: [{ week: 1, day: "MO", shiftId: "night" }],
        changes: [],
      },
    });
    expect(saved.ok).toBe(true);
    await savePreferences(db, { personId: maria.personId, preferences: { windows: [], restAfterShiftMinutes: 480 } });
    const template = await db.rotaTemplate.create({
      data: {
        name: "Talk line morning",
        rrule: "FREQ=DAILY",
        startsOnLocal: "2030-01-01T10:00:00",
        durationMinutes: 120,
      },
    });
    // Her slot on Wednesday 10:00: the 24-hour reminder falls due on Tuesday at 10:00, inside her quiet hours.
    const slot = await db.rotaSlot.create({
      data: {
        templateId: template.id,
        startsAt: new Date("2030-01-16T10:00:00Z"),
        endsAt: new Date("2030-01-16T12:00:00Z"),
      },
    });
    await db.rotaAssignment.create({ data: { slotId: slot.id, personId: maria.personId } });
    await subscribe(maria, "maria-phone", ["rota"], true);
    await subscribe(maria, "maria-laptop", ["rota"], false);
    await subscribe(maria, "maria-tablet", ["offers"]);

    let clock = new Date("2030-01-15T10:00:00Z");
    let ticks = 0;
    const now = () => {
      ticks++;
      return clock;
    };
    // Two nodes run the job at once.
    const jobs = [1, 2].map(() =>
      startRotaPushJob({
        databaseUrl: url,
        logger: silentLogger,
        vapid,
        agent: service.agent,
        timeZone: "Europe/London",
        now,
        everyMs: 100,
      }),
    );
    const runs = async (count: number) => {
      const from = ticks;
      await expect.poll(() => ticks - from, { timeout: 20_000 }).toBeGreaterThanOrEqual(count);
    };
    const toMaria = () => service.received.filter((p) => p.device.startsWith("maria-"));
    try {
      // Several runs on each node at 10:00 and at 14:59:59: nothing.
      await runs(6);
      clock = new Date("2030-01-15T14:59:59Z");
      await runs(6);
      expect(toMaria()).toEqual([]);

      clock = new Date("2030-01-15T15:00:00Z");
      await expect.poll(() => toMaria().length, { timeout: 20_000 }).toBe(2);
      await runs(6);
      expect(
        toMaria()
          .map((p) => p.device)
          .sort(),
      ).toEqual(["maria-laptop", "maria-phone"]);
      const text = (device: string) => JSON.parse(toMaria().find((p) => p.device === device)!.text);
      expect(text("maria-phone")).toEqual({
        title: "Coming up",
        body: "Wednesday at 10:00. Tap to open.",
        tag: `rota-${slot.id}`,
        url: "/rota",
      });
      expect(text("maria-laptop")).toMatchObject({ title: "You're on the rota: Talk line morning", url: "/rota" });
    } finally {
      await Promise.all(jobs.map((stop) => stop()));
    }
  });
});
