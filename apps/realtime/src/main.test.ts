import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 15_000,
  });

describe("realtime start-up configuration", () => {
  it("exits non-zero naming PORT when it is not a number", () => {
    const r = run({
      DATABASE_URL: "postgresql://u:p@127.0.0.1:1/x",
      PORT: "abc",
      REALTIME_TICKET_SECRET: "x".repeat(32),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PORT: PORT must be a whole number");
  });

  it("exits non-zero naming DATABASE_URL when it is missing or malformed", () => {
    expect(run({}).stderr).toContain("DATABASE_URL");
    const r = run({ DATABASE_URL: "not a url" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("DATABASE_URL: DATABASE_URL must be a connection URL");
  });
});
