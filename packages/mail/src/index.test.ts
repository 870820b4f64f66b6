import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMailSender, type OutgoingMail } from "./index.js";
import { startSmtpSink } from "./testing.js";

let relay: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  relay = await startSmtpSink();
});
afterAll(() => relay.stop());

const collectingLog = () => {
  const logged: Record<string, unknown>[] = [];
  return { logged, log: { info: (obj: Record<string, unknown>, msg: string) => logged.push({ ...obj, msg }) } };
};

describe("createMailSender with SMTP_URL", () => {
  it("sends through the relay from MAIL_FROM, keeps nothing locally, and logs the subject only", async () => {
    const kept: OutgoingMail[] = [];
    const { logged, log } = collectingLog();
    const sender = createMailSender({
      smtpUrl: relay.url,
      from: "Offshift <no-reply@test.example>",
      keep: async (mail) => void kept.push(mail),
      log,
      logLinks: true,
    });
    await sender.send({
      to: "someone@test.example",
      subject: "Reminder: Lone working at night",
      text: "Join here: http://localhost:3000/sessions/abc",
    });
    sender.close();
    expect(relay.mail).toEqual([
      {
        from: "no-reply@test.example",
        to: "someone@test.example",
        subject: "Reminder: Lone working at night",
        text: "Join here: http://localhost:3000/sessions/abc\n",
      },
    ]);
    expect(kept).toEqual([]);
    expect(logged).toEqual([{ subject: "Reminder: Lone working at night", msg: "mail sent" }]);
  });
});

describe("createMailSender without SMTP_URL", () => {
  it("in development, hands mail to the keeper and logs the subject and link, never the address or body", async () => {
    const kept: OutgoingMail[] = [];
    const { logged, log } = collectingLog();
    const sender = createMailSender({
      from: "Offshift <no-reply@test.example>",
      keep: async (mail) => void kept.push(mail),
      log,
      logLinks: true,
    });
    const mail = {
      to: "someone@test.example",
      subject: "Your sign-in link",
      text: "Hello Maria, sign in: http://localhost:3000/auth/x?token=abc then carry on",
    };
    await sender.send(mail);
    sender.close();
    expect(kept).toEqual([mail]);
    expect(logged).toEqual([
      {
        subject: "Your sign-in link",
        link: "http://localhost:3000/auth/x?token=abc",
        msg: "no SMTP_URL: mail kept in the development mailbox at /dev/mailbox",
      },
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/someone@|Maria/);
  });

  it("outside development, never writes a sign-in link to the log (it would let a log reader sign in)", async () => {
    const { logged, log } = collectingLog();
    const sender = createMailSender({
      from: "Offshift <no-reply@test.example>",
      keep: async () => {},
      log,
      logLinks: false,
    });
    await sender.send({
      to: "coordinator@test.example",
      subject: "Your sign-in link",
      text: "Sign in: http://localhost:3000/api/auth/magic-link/verify?token=secret123",
    });
    sender.close();
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toMatch(/secret123|http|coordinator@/);
  });

  it("fails the send when the keeper fails (the outbox then retries it), logging nothing", async () => {
    const { logged, log } = collectingLog();
    const sender = createMailSender({
      from: "Offshift <no-reply@test.example>",
      keep: () => Promise.reject(new Error("database unreachable")),
      log,
      logLinks: true,
    });
    await expect(sender.send({ to: "a@test.example", subject: "s", text: "t" })).rejects.toThrow(
      "database unreachable",
    );
    expect(logged).toEqual([]);
  });
});

describe("the test SMTP sink", () => {
  it("a client that resets its connection mid-message leaves the sink running and the test process whole", async () => {
    const sink = await startSmtpSink();
    const warned: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warned.push(args.join(" ")));
    try {
      const { port } = new URL(sink.url);
      const socket = net.connect(Number(port), "127.0.0.1");
      let heard = "";
      socket.on("data", (d) => (heard += d.toString()));
      const until = async (code: string) => {
        const from = heard.length;
        await expect.poll(() => heard.slice(from)).toMatch(new RegExp(`^${code} `, "m"));
      };
      await until("220");
      // Inside a transaction (a sender given), where smtp-server re-emits a socket error on the server:
      // as when the app is stopped while it is sending.
      for (const [line, code] of [
        ["EHLO client.test", "250"],
        ["MAIL FROM:<a@test.example>", "250"],
        ["RCPT TO:<b@test.example>", "250"],
        ["DATA", "354"],
      ]) {
        socket.write(`${line}\r\n`);
        await until(code!);
      }
      socket.resetAndDestroy();
      await expect.poll(() => warned.join("\n")).toMatch(/SMTP sink: .*ECONNRESET/);

      // The sink still takes mail.
      const sender = createMailSender({
        smtpUrl: sink.url,
        from: "x@test.example",
        keep: async () => {},
        log: { info() {} },
        logLinks: false,
      });
      await sender.send({ to: "after@test.example", subject: "after the reset", text: "still here" });
      sender.close();
      expect((await sink.waitFor("after@test.example", /after the reset/)).text).toBe("still here\n");
      expect(sink.mail.map((m) => m.to)).toEqual(["after@test.example"]);
    } finally {
      warn.mockRestore();
      await sink.stop();
    }
  });
});
