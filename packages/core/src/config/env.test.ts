import { describe, expect, it } from "vitest";
import { ConfigError, launcherEnvSchema, parseEnv, realtimeEnvSchema } from "./env.js";

describe("parseEnv", () => {
  it("applies defaults", () => {
    const env = parseEnv(launcherEnvSchema, {});
    expect(env).toMatchObject({ PORT: 3000, REALTIME_PORT: 3001, DATA_DIR: "data", SEED_DEMO_DATA: true });
    expect(env.DATABASE_URL).toBeUndefined();
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
    expect(parseEnv(realtimeEnvSchema, { DATABASE_URL: "postgresql://u:p@db:5432/x" }).PORT).toBe(3001);
  });

  it("treats empty values as unset", () => {
    expect(parseEnv(launcherEnvSchema, { PORT: "" }).PORT).toBe(3000);
  });
});
