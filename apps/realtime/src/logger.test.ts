import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("logger", () => {
  it("never writes names, nicknames, emails or chat text, even when a caller passes them", () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ level: "info", nodeId: "n1" }, sink);
    logger.info(
      {
        displayName: "Maria Santos",
        email: "maria@example.org",
        nickname: "nightowl",
        text: "I had an awful shift",
        participant: { name: "Dev Patel", email: "dev@example.org" },
        room: "r1",
      },
      "participant joined",
    );
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: "participant joined", room: "r1", nodeId: "n1", service: "realtime" });
    for (const secret of ["Maria", "maria@example.org", "nightowl", "awful shift", "Dev Patel", "dev@example.org"]) {
      expect(out).not.toContain(secret);
    }
  });
});
