import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb } from "@offshift/db";
import { testPrisma, type TestPrisma } from "@offshift/db/testing";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@offshift/launcher";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";
import { startSmtpSink } from "../support/smtp.js";

/**
 * The sign-in library's own HTTP routes: only what a browser needs is served,
 * every link request goes through our limiter, and bad requests get plain
 * answers rather than server errors.
 */
const pgDir = tempDir("auth-routes-pg");
const dataDir = tempDir("auth-routes-app");
let database: EmbeddedPostgresHandle;
let db: TestPrisma;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let app: RunningApp;
const MARIA = "maria@offshift.example"; // seeded, approved

beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: 0, database: "offshift_auth_routes" });
  smtp = await startSmtpSink();
  app = await startApp({ DATABASE_URL: database.url, DATA_DIR: dataDir, SMTP_URL: smtp.url });
  db = testPrisma(createDb(database.url, { maxConnections: 2 }));
});
afterAll(async () => {
  await app?.stop();
  if (db) await closeDb(db);
  await smtp?.stop();
  await database?.stop();
  removeDir(pgDir);
  removeDir(dataDir);
});

const post = (path: string, body: string, type = "application/json") =>
  fetch(`${app.url}${path}`, { method: "POST", body, headers: { "content-type": type, origin: app.url } });

describe("sign-in routes", () => {
  it("a body over 512 kB gets a plain 413, not a server error", async () => {
    const huge = JSON.stringify({ email: MARIA, pad: "x".repeat(600 * 1024) });
    for (const path of ["/api/auth/sign-in/magic-link", "/api/auth/sign-out"]) {
      const res = await post(path, huge);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ code: "TOO_LARGE", message: "That request was too large. Please try again." });
    }
  });

  it("asking better-auth for a link directly is not served: no mail goes out around the limiter", async () => {
    const links = () => smtp.mail.filter((m) => m.to === MARIA && /sign-in link/i.test(m.subject)).length;
    for (let i = 0; i < 5; i++) {
      const res = await post("/api/auth/sign-in/magic-link", JSON.stringify({ email: MARIA, callbackURL: "/me" }));
      expect(res.status).toBe(404);
    }
    // Nor can a name be changed around our rules (80 characters, no role words).
    expect((await post("/api/auth/update-user", JSON.stringify({ name: "M".repeat(200) }))).status).toBe(404);
    // The one door, our form, still sends a link, and counts it.
    const form = await fetch(`${app.url}/signin`, {
      method: "POST",
      body: new URLSearchParams({ email: MARIA }),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url, "x-sveltekit-action": "true" },
    });
    expect(((await form.json()) as { type: string }).type).not.toBe("failure");
    await smtp.waitFor(MARIA, /sign-in link/i);
    expect(links()).toBe(1); // the five direct requests sent none
  });

  it("a volunteer application mails the address given, so it shares the limiter: the 4th for one address in 15 minutes is refused", async () => {
    const apply = async () => {
      const res = await fetch(`${app.url}/volunteer/apply`, {
        method: "POST",
        body: new URLSearchParams({
          name: "Ama Owusu",
          email: "someone-else@example.org",
          languages: "en",
          codeOfConduct: "on",
        }),
        headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url, "x-sveltekit-action": "true" },
      });
      return (await res.json()) as { type: string; status?: number; data?: string };
    };
    const answers = [await apply(), await apply(), await apply(), await apply()];
    expect(answers.slice(0, 3).map((a) => a.type)).toEqual(["success", "success", "success"]);
    expect(answers[3]).toMatchObject({ type: "failure", status: 429 });
    expect(answers[3]!.data).toContain("Too many requests for that email address");
  });

  it("the limiter's rows never keep an email address in clear", async () => {
    const rows = await db.rateLimit.findMany({ select: { key: true } });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.key).join("\n")).not.toMatch(/maria|someone-else|@|example/i);
  });
});
