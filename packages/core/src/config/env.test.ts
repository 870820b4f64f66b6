import { describe, expect, it } from "vitest";
import { ConfigError, launcherEnvSchema, parseEnv, realtimeEnvSchema, webEnvSchema } from "./env.js";

describe("parseEnv", () => {
  it("applies defaults", () => {
    const env = parseEnv(launcherEnvSchema, {});
    expect(env).toMatchObject({ PORT: 3000, REALTIME_PORT: 3001, DATA_DIR: "data", SEED_DEMO_DATA: true });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("listens on this machine only (loopback) unless HOST says otherwise", () => {
    expect(parseEnv(launcherEnvSchema, {}).HOST).toBe("127.0.0.1");
    expect(parseEnv(launcherEnvSchema, { HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    const rt = { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: "s".repeat(32) };
    expect(parseEnv(realtimeEnvSchema, rt).HOST).toBe("127.0.0.1");
    expect(parseEnv(realtimeEnvSchema, { ...rt, HOST: "::" }).HOST).toBe("::");
  });

  it("names every bad variable", () => {
    try {
      parseEnv(launcherEnvSchema, { PORT: "abc", DATABASE_URL: "mysql://nope", ORG_TIMEZONE: "Mars/Olympus" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(["DATABASE_URL", "ORG_TIMEZONE", "PORT"]);
      expect((e as ConfigError).message).toContain("PORT must be a whole number");
    }
  });

  it("rejects out-of-range ports and requires DATABASE_URL where needed", () => {
    expect(() => parseEnv(launcherEnvSchema, { PORT: "70000" })).toThrow(/PORT/);
    expect(() => parseEnv(realtimeEnvSchema, {})).toThrow("DATABASE_URL: DATABASE_URL is required");
    const secret = "s".repeat(32);
    expect(
      parseEnv(realtimeEnvSchema, { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: secret }).PORT,
    ).toBe(3001);
    expect(() =>
      parseEnv(realtimeEnvSchema, { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: "short" }),
    ).toThrow("REALTIME_TICKET_SECRET must be at least 32 characters");
  });

  it("treats empty values as unset", () => {
    expect(parseEnv(launcherEnvSchema, { PORT: "" }).PORT).toBe(3000);
  });
});

describe("web environment", () => {
  const base = {
    DATABASE_URL: "postgresql://u:p@db:5432/x",
    AUTH_SECRET: "a".repeat(32),
    REALTIME_TICKET_SECRET: "b".repeat(32),
  };
  it("needs SMTP_URL in production only", () => {
    expect(parseEnv(webEnvSchema, base).SMTP_URL).toBeUndefined();
    expect(() => parseEnv(webEnvSchema, { ...base, NODE_ENV: "production" })).toThrow(
      "SMTP_URL: SMTP_URL is required in production",
    );
    expect(() => parseEnv(webEnvSchema, { ...base, SMTP_URL: "http://mail" })).toThrow(
      "SMTP_URL must look like smtp://",
    );
  });

  it("reads ICE servers for mesh audio as JSON, refusing anything else", () => {
    expect(parseEnv(webEnvSchema, base).ICE_SERVERS).toEqual([]);
    const turn = [{ urls: ["turn:turn.example.org:3478"], username: "u", credential: "p" }];
    expect(parseEnv(webEnvSchema, { ...base, ICE_SERVERS: JSON.stringify(turn) }).ICE_SERVERS).toEqual(turn);
    for (const bad of ["stun:x", "[{}]", '[{"urls":"http://x"}]', "{"])
      expect(() => parseEnv(webEnvSchema, { ...base, ICE_SERVERS: bad })).toThrow("ICE_SERVERS must be a JSON array");
  });

  it("reads how long Tonight is kept in memory, in milliseconds, up to 10 minutes", () => {
    expect(parseEnv(webEnvSchema, base).TONIGHT_CACHE_MS).toBe(2000);
    expect(parseEnv(webEnvSchema, { ...base, TONIGHT_CACHE_MS: "0" }).TONIGHT_CACHE_MS).toBe(0);
    expect(() => parseEnv(webEnvSchema, { ...base, TONIGHT_CACHE_MS: "2s" })).toThrow(
      "TONIGHT_CACHE_MS must be a whole number of milliseconds",
    );
    expect(() => parseEnv(webEnvSchema, { ...base, TONIGHT_CACHE_MS: "600001" })).toThrow("at most 600000");
  });
});

describe("realtime environment: mail, links and the test clock", () => {
  const base = { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: "r".repeat(32) };

  it("has defaults for mail, the organisation's zone and the web address", () => {
    const env = parseEnv(realtimeEnvSchema, base);
    expect(env).toMatchObject({
      MAIL_FROM: "Offshift <no-reply@offshift.localhost>",
      ORG_TIMEZONE: "Europe/London",
      ORIGIN: "http://localhost:3000",
    });
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.OFFSHIFT_TEST_CLOCK_FILE).toBeUndefined();
  });

  it("takes SMTP_URL, MAIL_FROM, ORG_TIMEZONE and ORIGIN", () => {
    const env = parseEnv(realtimeEnvSchema, {
      ...base,
      SMTP_URL: "smtps://u:p@mail.example:465",
      MAIL_FROM: "Offshift <hello@offshift.example>",
      ORG_TIMEZONE: "Europe/Dublin",
      ORIGIN: "https://offshift.example",
    });
    expect(env).toMatchObject({
      SMTP_URL: "smtps://u:p@mail.example:465",
      MAIL_FROM: "Offshift <hello@offshift.example>",
      ORG_TIMEZONE: "Europe/Dublin",
      ORIGIN: "https://offshift.example",
    });
  });

  it("names each bad value", () => {
    expect(() => parseEnv(realtimeEnvSchema, { ...base, SMTP_URL: "http://mail" })).toThrow(
      "SMTP_URL: SMTP_URL must look like smtp://",
    );
    expect(() => parseEnv(realtimeEnvSchema, { ...base, ORG_TIMEZONE: "Mars/Olympus" })).toThrow(
      "ORG_TIMEZONE: ORG_TIMEZONE must be an IANA time zone",
    );
    expect(() => parseEnv(realtimeEnvSchema, { ...base, ORIGIN: "offshift.example" })).toThrow(
      "ORIGIN: ORIGIN must be an http(s) URL",
    );
  });

  it("needs SMTP_URL in production", () => {
    expect(() => parseEnv(realtimeEnvSchema, { ...base, NODE_ENV: "production" })).toThrow(
      "SMTP_URL: SMTP_URL is required in production",
    );
    expect(parseEnv(realtimeEnvSchema, { ...base, NODE_ENV: "production", SMTP_URL: "smtp://mail:25" }).SMTP_URL).toBe(
      "smtp://mail:25",
    );
  });

  it("allows OFFSHIFT_TEST_CLOCK_FILE only with NODE_ENV=test", () => {
    expect(() => parseEnv(realtimeEnvSchema, { ...base, OFFSHIFT_TEST_CLOCK_FILE: "/tmp/clock" })).toThrow(
      "OFFSHIFT_TEST_CLOCK_FILE: OFFSHIFT_TEST_CLOCK_FILE is only allowed with NODE_ENV=test",
    );
    expect(
      parseEnv(realtimeEnvSchema, { ...base, NODE_ENV: "test", OFFSHIFT_TEST_CLOCK_FILE: "/tmp/clock" })
        .OFFSHIFT_TEST_CLOCK_FILE,
    ).toBe("/tmp/clock");
  });
});

describe("LiveKit: all three variables or none", () => {
  const base = { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: "r".repeat(32) };
  const liveKit = {
    LIVEKIT_URL: "wss://livekit.example.org",
    LIVEKIT_API_KEY: "APIkey",
    LIVEKIT_API_SECRET: "s".repeat(32),
  };

  it("is off when none is set, and on with all three", () => {
    expect(parseEnv(realtimeEnvSchema, base).LIVEKIT_URL).toBeUndefined();
    expect(parseEnv(realtimeEnvSchema, { ...base, ...liveKit })).toMatchObject(liveKit);
    expect(parseEnv(launcherEnvSchema, liveKit)).toMatchObject(liveKit);
  });

  it("names the missing one when only some are set", () => {
    expect(() => parseEnv(realtimeEnvSchema, { ...base, ...liveKit, LIVEKIT_API_SECRET: undefined })).toThrow(
      "LIVEKIT_API_SECRET: LIVEKIT_API_SECRET is required when LIVEKIT_URL and LIVEKIT_API_KEY are set",
    );
    let error: unknown;
    try {
      parseEnv(realtimeEnvSchema, { ...base, LIVEKIT_URL: liveKit.LIVEKIT_URL });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(["LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"]);
    expect(() => parseEnv(launcherEnvSchema, { LIVEKIT_API_KEY: "k" })).toThrow(
      "LIVEKIT_URL: LIVEKIT_URL is required when LIVEKIT_API_KEY is set",
    );
  });

  it("web reads LIVEKIT_URL alone (it only needs to know the audio mode), with the same check", () => {
    const web = { ...base, AUTH_SECRET: "a".repeat(32) };
    expect(parseEnv(webEnvSchema, web).LIVEKIT_URL).toBeUndefined();
    expect(parseEnv(webEnvSchema, { ...web, LIVEKIT_URL: liveKit.LIVEKIT_URL }).LIVEKIT_URL).toBe(liveKit.LIVEKIT_URL);
    expect(() => parseEnv(webEnvSchema, { ...web, LIVEKIT_URL: "https://livekit.example.org" })).toThrow(
      "LIVEKIT_URL must be a ws:// or wss:// URL",
    );
  });

  it("wants a ws(s) URL", () => {
    for (const bad of ["https://livekit.example.org", "livekit.example.org", "ws://"])
      expect(() => parseEnv(realtimeEnvSchema, { ...base, ...liveKit, LIVEKIT_URL: bad })).toThrow(
        "LIVEKIT_URL must be a ws:// or wss:// URL",
      );
  });
});

describe("Voice thresholds", () => {
  const web = {
    DATABASE_URL: "postgresql://u:p@db:5432/x",
    AUTH_SECRET: "a".repeat(32),
    REALTIME_TICKET_SECRET: "s".repeat(32),
  };
  it("default to 10 sessions and 3 facilitators, and take whole numbers from 2", () => {
    expect(parseEnv(webEnvSchema, web)).toMatchObject({ VOICE_MIN_SESSIONS: 10, VOICE_MIN_FACILITATORS: 3 });
    expect(parseEnv(webEnvSchema, { ...web, VOICE_MIN_SESSIONS: "20", VOICE_MIN_FACILITATORS: "2" })).toMatchObject({
      VOICE_MIN_SESSIONS: 20,
      VOICE_MIN_FACILITATORS: 2,
    });
  });
  it("refuse a threshold below 2 at start-up, naming the variable", () => {
    expect(() => parseEnv(launcherEnvSchema, { VOICE_MIN_SESSIONS: "1" })).toThrow(
      /VOICE_MIN_SESSIONS must be between 2/,
    );
    expect(() => parseEnv(webEnvSchema, { ...web, VOICE_MIN_FACILITATORS: "0" })).toThrow(/VOICE_MIN_FACILITATORS/);
    expect(() => parseEnv(webEnvSchema, { ...web, VOICE_MIN_FACILITATORS: "three" })).toThrow(/whole number/);
  });
});

describe("Web Push keys (VAPID)", () => {
  const base = { DATABASE_URL: "postgresql://u:p@db:5432/x", REALTIME_TICKET_SECRET: "r".repeat(32) };
  const publicKey = Buffer.alloc(65, 4).toString("base64url");
  const privateKey = Buffer.alloc(32, 9).toString("base64url");

  it("takes a key pair and a contact, or neither", () => {
    const env = parseEnv(realtimeEnvSchema, { ...base, VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey });
    expect(env.VAPID_PUBLIC_KEY).toBe(publicKey);
    expect(env.VAPID_SUBJECT).toBe("mailto:no-reply@offshift.localhost");
    expect(parseEnv(realtimeEnvSchema, base).VAPID_PUBLIC_KEY).toBeUndefined();
  });

  it("names the missing half of a pair", () => {
    expect(() => parseEnv(realtimeEnvSchema, { ...base, VAPID_PUBLIC_KEY: publicKey })).toThrow(
      "VAPID_PRIVATE_KEY: VAPID_PRIVATE_KEY is required when VAPID_PUBLIC_KEY is set",
    );
  });

  it("refuses a key of the wrong size and a subject push services cannot use", () => {
    expect(() =>
      parseEnv(realtimeEnvSchema, { ...base, VAPID_PUBLIC_KEY: privateKey, VAPID_PRIVATE_KEY: privateKey }),
    ).toThrow("VAPID_PUBLIC_KEY must be an uncompressed P-256 public key");
    expect(() => parseEnv(realtimeEnvSchema, { ...base, VAPID_SUBJECT: "http://example.org" })).toThrow(
      "VAPID_SUBJECT must be a mailto: address or an https:// URL",
    );
  });
});
