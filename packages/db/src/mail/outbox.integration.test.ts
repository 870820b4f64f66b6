import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type TestPrisma } from "../testing/prisma.js";
import { useTestDatabase } from "../testing/per-file.js";
import { MAX_MAIL_ATTEMPTS, deliverDueMail, enqueueMail, type OutgoingMail } from "./outbox.js";

let db: TestPrisma;
/** A second client: a second process working the same outbox. */
let other: TestPrisma;

const database = useTestDatabase("outbox");

beforeAll(async () => {
  db = database.client();
  other = database.client();
});
beforeEach(async () => {
  await db.outboxMail.deleteMany();
});

const NOW = new Date("2026-11-24T21:00:00Z");
const mail = (n: number | string) => ({
  dedupeKey: `test:${n}`,
  to: `person${n}@test.example`,
  subject: `Mail ${n}`,
  text: `Body ${n}`,
  notBefore: NOW,
});

/** A relay that records what it accepted, taking a little time like a real one. */
function recordingRelay() {
  const accepted: OutgoingMail[] = [];
  const send = async (m: OutgoingMail) => {
    await new Promise((r) => setTimeout(r, Math.random() * 4));
    accepted.push(m);
  };
  return { accepted, send };
}

describe("enqueueMail", () => {
  it("keeps one mail per dedupeKey, also when enqueued from two processes at once", async () => {
    expect(await enqueueMail(db, mail(1))).toBe(true);
    expect(await enqueueMail(db, { ...mail(1), subject: "Changed" })).toBe(false);
    const raced = await Promise.all([
      enqueueMail(db, mail(2)),
      enqueueMail(other, mail(2)),
      enqueueMail(db, mail(2)),
      enqueueMail(other, mail(2)),
    ]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    const rows = await db.outboxMail.findMany({ orderBy: { dedupeKey: "asc" } });
    expect(rows.map((r) => [r.dedupeKey, r.subject])).toEqual([
      ["test:1", "Mail 1"],
      ["test:2", "Mail 2"],
    ]);
  });

  it("works inside a transaction, and is rolled back with it", async () => {
    await expect(
      db.$transaction(async (tx) => {
        await enqueueMail(tx, mail("tx"));
        throw new Error("the fact it reports was not saved");
      }),
    ).rejects.toThrow("not saved");
    expect(await db.outboxMail.count()).toBe(0);
  });
});

describe("deliverDueMail", () => {
  it("sends every mail exactly once when two deliverers race over several rounds", async () => {
    const total = 60;
    for (let i = 0; i < total; i++) await enqueueMail(db, { ...mail(i), notBefore: new Date(NOW.getTime() - i) });
    const relay = recordingRelay();
    const counts = { sent: 0 };
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all([
        deliverDueMail(db, relay.send, NOW, { batch: 8 }),
        deliverDueMail(other, relay.send, NOW, { batch: 8 }),
        deliverDueMail(other, relay.send, NOW, { batch: 8 }),
      ]);
      for (const r of results) counts.sent += r.sent;
    }
    expect(counts.sent).toBe(total);
    const subjects = relay.accepted.map((m) => m.subject).sort();
    expect(subjects).toEqual(Array.from({ length: total }, (_, i) => `Mail ${i}`).sort());
    expect(new Set(subjects).size).toBe(total);
    expect(await db.outboxMail.count({ where: { sentAt: null } })).toBe(0);
    expect(await db.outboxMail.count({ where: { attempts: 1, sentAt: NOW } })).toBe(total);
    // Nothing is left to do.
    expect(await deliverDueMail(db, relay.send, new Date(NOW.getTime() + 86_400_000))).toEqual({
      sent: 0,
      dropped: 0,
      retrying: 0,
    });
    expect(relay.accepted).toHaveLength(total);
  });

  it("waits for notBefore and drops expired mail without sending it", async () => {
    await enqueueMail(db, { ...mail("later"), notBefore: new Date(NOW.getTime() + 60_000) });
    await enqueueMail(db, { ...mail("expired"), expiresAt: NOW });
    await enqueueMail(db, { ...mail("fresh"), notBefore: NOW, expiresAt: new Date(NOW.getTime() + 1000) });
    const relay = recordingRelay();
    expect(await deliverDueMail(db, relay.send, NOW)).toEqual({ sent: 1, dropped: 1, retrying: 0 });
    expect(relay.accepted.map((m) => m.subject)).toEqual(["Mail fresh"]);
    const expired = await db.outboxMail.findUniqueOrThrow({ where: { dedupeKey: "test:expired" } });
    expect(expired).toMatchObject({ sentAt: null, droppedAt: NOW, lastError: "expired" });
    const later = await db.outboxMail.findUniqueOrThrow({ where: { dedupeKey: "test:later" } });
    expect(later).toMatchObject({ sentAt: null, droppedAt: null });

    expect(await deliverDueMail(db, relay.send, new Date(NOW.getTime() + 60_000))).toMatchObject({ sent: 1 });
    expect(relay.accepted.map((m) => m.subject)).toEqual(["Mail fresh", "Mail later"]);
  });

  it("retries a failing send with growing waits, keeps an address-free error, and drops it after the limit", async () => {
    await enqueueMail(db, mail("bounce"));
    const tried: Date[] = [];
    const failing = async () => {
      tried.push(new Date());
      throw new Error("550 5.1.1 <person-bounce@test.example>: Recipient address rejected");
    };
    let t = NOW;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_MAIL_ATTEMPTS; attempt++) {
      // Not due a moment before notBefore.
      if (attempt > 1) {
        expect(await deliverDueMail(db, failing, new Date(t.getTime() - 1))).toEqual({
          sent: 0,
          dropped: 0,
          retrying: 0,
        });
      }
      const r = await deliverDueMail(db, failing, t);
      const row = await db.outboxMail.findUniqueOrThrow({ where: { dedupeKey: "test:bounce" } });
      expect(row.attempts).toBe(attempt);
      expect(row.lastError).toBe("550 5.1.1 <address> Recipient address rejected");
      expect(row.sentAt).toBeNull();
      if (attempt < MAX_MAIL_ATTEMPTS) {
        expect(r).toEqual({ sent: 0, dropped: 0, retrying: 1 });
        expect(row.droppedAt).toBeNull();
        waits.push((row.notBefore.getTime() - t.getTime()) / 60_000);
        t = row.notBefore;
      } else {
        expect(r).toEqual({ sent: 0, dropped: 1, retrying: 0 });
        expect(row.droppedAt).toEqual(t);
      }
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(tried).toHaveLength(MAX_MAIL_ATTEMPTS);
    // Dropped for good: never tried again.
    await deliverDueMail(db, failing, new Date(t.getTime() + 86_400_000));
    expect(tried).toHaveLength(MAX_MAIL_ATTEMPTS);
  });

  it("sends a mail that failed once when its retry comes round", async () => {
    await enqueueMail(db, mail("flaky"));
    let calls = 0;
    const relay = recordingRelay();
    const flaky = async (m: OutgoingMail) => {
      if (calls++ === 0) throw new Error("421 try again later");
      await relay.send(m);
    };
    expect(await deliverDueMail(db, flaky, NOW)).toMatchObject({ retrying: 1 });
    expect(await deliverDueMail(db, flaky, new Date(NOW.getTime() + 60_000))).toMatchObject({ sent: 1 });
    const row = await db.outboxMail.findUniqueOrThrow({ where: { dedupeKey: "test:flaky" } });
    expect(row).toMatchObject({ attempts: 2, lastError: null, droppedAt: null });
    expect(relay.accepted).toHaveLength(1);
  });

  it("one failing mail does not hold up the others", async () => {
    await enqueueMail(db, { ...mail("bad"), notBefore: new Date(NOW.getTime() - 1000) });
    await enqueueMail(db, mail("good"));
    const relay = recordingRelay();
    const send = async (m: OutgoingMail) => {
      if (m.subject === "Mail bad") throw new Error("boom");
      await relay.send(m);
    };
    expect(await deliverDueMail(db, send, NOW)).toEqual({ sent: 1, dropped: 0, retrying: 1 });
    expect(relay.accepted.map((m) => m.subject)).toEqual(["Mail good"]);
  });
});
