import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxy, type TrustedProxy } from "./client-address.js";
import { ConfigError, launcherEnvSchema, parseEnv, webEnvSchema } from "./env.js";

const none: TrustedProxy = { kind: "none" };
const oneHop: TrustedProxy = { kind: "hops", hops: 1 };

describe("the client address behind proxies (TRUSTED_PROXY)", () => {
  it("off by default: X-Forwarded-For is ignored, whoever wrote it", () => {
    expect(clientAddress({ peer: "198.51.100.9", forwardedFor: "203.0.113.7", trust: none })).toBe("198.51.100.9");
    expect(clientAddress({ peer: "::ffff:127.0.0.1", forwardedFor: null, trust: none })).toBe("127.0.0.1");
  });

  it("one proxy in front: the address it appended, not what the client wrote before it", () => {
    // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw.
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "1.2.3.4, 203.0.113.7", trust: oneHop })).toBe(
      "203.0.113.7",
    );
    // Two clients behind the same proxy are two addresses, so they have a limit each.
    const a = clientAddress({ peer: "10.0.0.2", forwardedFor: "203.0.113.7", trust: oneHop });
    const b = clientAddress({ peer: "10.0.0.2", forwardedFor: "203.0.113.8", trust: oneHop });
    expect(a).not.toBe(b);
    // Two proxies: two places from the right.
    expect(
      clientAddress({
        peer: "10.0.0.3",
        forwardedFor: ["6.6.6.6, 203.0.113.7", "10.0.0.2"],
        trust: { kind: "hops", hops: 2 },
      }),
    ).toBe("203.0.113.7");
    // No header (someone reached the app directly): the peer.
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: undefined, trust: oneHop })).toBe("10.0.0.2");
    // Ports and IPv6 brackets some proxies add.
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "[2001:DB8::1]:443", trust: oneHop })).toBe("2001:db8::1");
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "203.0.113.7:5123", trust: oneHop })).toBe("203.0.113.7");
    // A hop that is not an address stops the walk: the peer stays the answer.
    expect(clientAddress({ peer: "10.0.0.2", forwardedFor: "<script>", trust: oneHop })).toBe("10.0.0.2");
  });

  it("a list of proxies: the header is believed only from them, hop by hop", () => {
    const trust: TrustedProxy = { kind: "addresses", addresses: ["127.0.0.1", "10.0.0.2"] };
    expect(clientAddress({ peer: "127.0.0.1", forwardedFor: "203.0.113.7", trust })).toBe("203.0.113.7");
    expect(clientAddress({ peer: "127.0.0.1", forwardedFor: "9.9.9.9, 203.0.113.7, 10.0.0.2", trust })).toBe(
      "203.0.113.7",
    );
    // From anyone else the header is the sender's own claim: ignored.
    expect(clientAddress({ peer: "198.51.100.9", forwardedFor: "203.0.113.7", trust })).toBe("198.51.100.9");
  });

  it("parses the setting, and refuses anything else with a message naming it", () => {
    expect(parseTrustedProxy(undefined)).toEqual({ ok: true, trust: none });
    expect(parseTrustedProxy("off")).toEqual({ ok: true, trust: none });
    expect(parseTrustedProxy("2")).toEqual({ ok: true, trust: { kind: "hops", hops: 2 } });
    expect(parseTrustedProxy("127.0.0.1, ::1")).toEqual({
      ok: true,
      trust: { kind: "addresses", addresses: ["127.0.0.1", "::1"] },
    });
    for (const bad of ["11", "yes", "127.0.0.1,", "nginx", "10.0.0.0/8"])
      expect(parseTrustedProxy(bad)).toEqual({ ok: false });

    const web = {
      DATABASE_URL: "postgresql://u:p@db:5432/x",
      AUTH_SECRET: "a".repeat(32),
      REALTIME_TICKET_SECRET: "s".repeat(32),
    };
    expect(parseEnv(webEnvSchema, web).TRUSTED_PROXY).toEqual(none);
    expect(parseEnv(webEnvSchema, { ...web, TRUSTED_PROXY: "1" }).TRUSTED_PROXY).toEqual(oneHop);
    expect(() => parseEnv(webEnvSchema, { ...web, TRUSTED_PROXY: "nginx" })).toThrow(
      "TRUSTED_PROXY: TRUSTED_PROXY must be off, the number of proxies in front of the app (1 to 10), or a comma-separated list of the proxies' IP addresses (e.g. 127.0.0.1,::1)",
    );
    expect(() => parseEnv(launcherEnvSchema, { TRUSTED_PROXY: "0.0.0.0/0" })).toThrow(ConfigError);
    // adapter-node's own settings would read the header behind TRUSTED_PROXY's back.
    expect(() => parseEnv(webEnvSchema, { ...web, ADDRESS_HEADER: "x-forwarded-for" })).toThrow(
      "ADDRESS_HEADER: ADDRESS_HEADER is not used here: set TRUSTED_PROXY instead (see the README)",
    );
    expect(() => parseEnv(webEnvSchema, { ...web, XFF_DEPTH: "1" })).toThrow(/XFF_DEPTH: XFF_DEPTH is not used here/);
  });
});
