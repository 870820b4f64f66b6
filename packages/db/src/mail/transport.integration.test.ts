import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../client.js";
import { useTestDatabase } from "../testing/per-file.js";
import { createMailSender } from "./transport.js";

let db: Db;

const database = useTestDatabase("transport");

beforeAll(async () => {
  db = database.client();
});

describe("createMailSender without SMTP_URL", () => {
  it("in development, keeps mail for /dev/mailbox and logs the subject and link, never the address or body", async () => {
    const logged: Record<string, unknown>[] = [];
    const sender = createMailSender({
      from: "Offshift <no-reply@test.example>",
      db,
      log: { info: (obj, msg) => logged.push({ ...obj, msg }) },
      logLinks: true,
    });
    await sender.send({
      to: "someone@test.example",
      subject: "Your sign-in link",
      text: "Hello Maria, sign in: http://localhost:3000/auth/x?token=abc then carry on",
    });
    sender.close();
    const rows = await db.devMail.findMany();
    expect(rows.map((r) => [r.to, r.subject])).toEqual([["someone@test.example", "Your sign-in link"]]);
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
    const logged: Record<string, unknown>[] = [];
    const sender = createMailSender({
      from: "Offshift <no-reply@test.example>",
      db,
      log: { info: (obj, msg) => logged.push({ ...obj, msg }) },
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
});
