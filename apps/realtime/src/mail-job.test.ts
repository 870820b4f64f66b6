import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ScheduleChanged } from "@offshift/core";
import { closeDb, createDb, requestDropInReminder } from "@offshift/db";
import { readClock } from "@offshift/launcher";
import { startSmtpSink } from "@offshift/mail/testing";
import { createTestDatabase, testPrisma, type TestPrisma } from "@offshift/db/testing";
import { startMailJob } from "./jobs.js";
import { client, eventually, silentLogger, startNode, waitFor } from "./test-helpers.js";

let db: TestPrisma;
let url: string;
let drop: () => Promise<void>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let clockDir: string;

beforeAll(async () => {
  const t = await createTestDatabase(inject("pgAdminUrl"), "mailjob");
  url = t.url;
  drop = t.drop;
  db = testPrisma(createDb(url));
  sink = await startSmtpSink();
  clockDir = mkdtempSync(path.join(tmpdir(), "offshift-clock-"));
});
afterAll(async () => {
  await closeDb(db);
  await sink.stop();
  await drop();
  rmSync(clockDir, { recursive: true, force: true });
});

describe("mail job", () => {
  it("alerts the backup about an unopened room and reminds a worker, through real SMTP, once each", async () => {
    // The shared test clock: a Tuesday evening, whatever day the test runs.
    const clockFile = path.join(clockDir, "now");
    const NOW = new Date("2026-11-24T21:52:00Z");
    writeFileSync(clockFile, NOW.toISOString());
    expect(readClock(clockFile)).toEqual(NOW);

    const lead = await db.person.create({
      data: { displayName: "Rosa Lead", email: "rosa@test.example", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const backup = await db.person.create({
      data: { displayName: "Kwame Backup", email: "kwame@test.example", roles: ["FACILITATOR"], status: "APPROVED" },
    });
    const worker = await db.person.create({
      data: { displayName: "Tired Worker", email: "worker@test.example", roles: ["WORKER"], status: "APPROVED" },
    });
    const series = await db.dropInSeries.create({
      data: {
        title: "Lone working at night",
        theme: "Lone working",
        description: "x",
        capacity: 8,
        durationMinutes: 60,
        rrule: "FREQ=DAILY",
        startsOnLocal: "2026-11-01T21:45:00",
        facilitatorId: lead.id,
        backupFacilitatorId: backup.id,
      },
    });
    const occ = (startsAt: Date) =>
      db.dropInOccurrence.create({
        data: {
          seriesId: series.id,
          originalStart: startsAt,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 60 * 60_000),
          title: series.title,
          theme: series.theme,
          description: series.description,
          capacity: 8,
          facilitatorId: lead.id,
        },
      });
    const started = await occ(new Date("2026-11-24T21:45:00Z")); // 7 minutes ago, room still closed
    const soon = await occ(new Date("2026-11-24T22:15:00Z")); // in 23 minutes
    expect(
      await requestDropInReminder(
        db,
        { kind: "person", personId: worker.id, roles: ["WORKER"], status: "APPROVED" },
        { occurrenceId: soon.id, scope: "occurrence", now: NOW },
      ),
    ).toMatchObject({ ok: true });

    const node = await startNode(url, "mail-job-node");
    const browser = client(node.url);
    await waitFor(browser, "welcome");
    const late = waitFor<ScheduleChanged>(browser, "dropin:schedule", 15_000);

    const stop = startMailJob({
      databaseUrl: url,
      logger: silentLogger,
      io: node.server.io,
      smtpUrl: sink.url,
      mailFrom: "Offshift <no-reply@offshift.test>",
      timeZone: "Europe/London",
      origin: "https://offshift.example",
      now: () => readClock(clockFile),
      everyMs: 200,
    });
    try {
      expect(await late).toEqual({ occurrenceId: started.id, change: "facilitator-late" });
      await eventually(
        async () => sink.mail.length,
        (n) => n >= 2,
      );
      // Several more rounds: nothing is sent twice.
      await new Promise((r) => setTimeout(r, 1500));
      expect(sink.mail.map((m) => [m.to, m.subject]).sort()).toEqual([
        ["kwame@test.example", "Room not opened: Lone working at night"],
        ["worker@test.example", "Reminder: Lone working at night, Tonight at 22:15"],
      ]);
      const reminder = sink.mail.find((m) => m.to === "worker@test.example")!;
      expect(reminder.text).toContain(`https://offshift.example/sessions/${soon.id}`);
      const alert = sink.mail.find((m) => m.to === "kwame@test.example")!;
      expect(alert.text).toContain(`https://offshift.example/sessions/${started.id}`);
      expect(await db.outboxMail.count({ where: { sentAt: null } })).toBe(0);
      expect((await db.dropInOccurrence.findUniqueOrThrow({ where: { id: started.id } })).backupAlertedAt).toEqual(NOW);
    } finally {
      await stop();
      browser.close();
      await node.server.close();
    }
  });

  it("keeps running when the relay refuses, and retries later", async () => {
    await db.outboxMail.create({
      data: { dedupeKey: "refused", to: "someone@test.example", subject: "Refused", text: "x", notBefore: new Date(0) },
    });
    // Nothing listens on port 1: every send fails, the job logs and goes on.
    const stop = startMailJob({
      databaseUrl: url,
      logger: silentLogger,
      smtpUrl: "smtp://127.0.0.1:1",
      mailFrom: "Offshift <no-reply@offshift.test>",
      timeZone: "Europe/London",
      origin: "https://offshift.example",
      everyMs: 100,
    });
    try {
      const row = await eventually(
        () => db.outboxMail.findUniqueOrThrow({ where: { dedupeKey: "refused" } }),
        (r) => r.attempts >= 1,
      );
      expect(row.sentAt).toBeNull();
      expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(row.notBefore.getTime()).toBeGreaterThan(Date.now());
    } finally {
      await stop();
    }
  });

  it("reminds a volunteer 24 hours and 1 hour before their rota slot, once each, with two nodes' jobs", async () => {
    const clockFile = path.join(clockDir, "slot-now");
    const start = new Date("2026-12-01T21:30:00Z");
    writeFileSync(clockFile, new Date(start.getTime() - 23 * 3_600_000).toISOString());
    const volunteer = await db.person.create({
      data: { displayName: "Dev Volunteer", email: "dev@test.example", roles: ["VOLUNTEER"], status: "APPROVED" },
    });
    const template = await db.rotaTemplate.create({
      data: {
        name: "Talk line late",
        rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TU",
        startsOnLocal: "2026-12-01T21:30:00",
        durationMinutes: 180,
      },
    });
    const slot = await db.rotaSlot.create({
      data: { templateId: template.id, startsAt: start, endsAt: new Date(start.getTime() + 3 * 3_600_000) },
    });
    await db.rotaAssignment.create({ data: { slotId: slot.id, personId: volunteer.id } });
    const job = () =>
      startMailJob({
        databaseUrl: url,
        logger: silentLogger,
        smtpUrl: sink.url,
        mailFrom: "Offshift <no-reply@offshift.test>",
        timeZone: "Europe/London",
        origin: "https://offshift.example",
        now: () => readClock(clockFile),
        everyMs: 150,
      });
    const stops = [job(), job()];
    const forDev = () => sink.mail.filter((m) => m.to === "dev@test.example");
    try {
      await eventually(
        async () => forDev().length,
        (n) => n >= 1,
      );
      writeFileSync(clockFile, new Date(start.getTime() - 45 * 60_000).toISOString());
      await eventually(
        async () => forDev().length,
        (n) => n >= 2,
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(forDev().map((m) => m.subject)).toEqual([
        "Reminder: Talk line late, Tomorrow night at 21:30",
        "In an hour: Talk line late, Tonight at 21:30",
      ]);
      expect(forDev()[1]!.text).toContain("https://offshift.example/rota");
    } finally {
      await Promise.all(stops.map((s) => s()));
    }
  });
});
