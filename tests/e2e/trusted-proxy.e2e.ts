import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";

// Issue 13 item 15: behind a proxy every client arrives from the proxy's address, so without
// TRUSTED_PROXY one per-address limit would apply to everyone at once. Here the test plays the
// proxy on this machine (TRUSTED_PROXY=127.0.0.1,::1) and says who each client is.
const dataDir = tempDir("trusted-proxy");
let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ DATA_DIR: dataDir, TRUSTED_PROXY: "127.0.0.1,::1" });
});
afterAll(async () => {
  await app?.stop();
  removeDir(dataDir);
});

async function newGuest(nickname: string, forwardedFor: string) {
  const res = await fetch(`${app.url}/join?/join`, {
    method: "POST",
    body: new URLSearchParams({ nickname, agreement: "on", next: "/" }),
    headers: {
      "x-sveltekit-action": "true",
      "content-type": "application/x-www-form-urlencoded",
      origin: app.url,
      "x-forwarded-for": forwardedFor,
    },
  });
  return (await res.json()) as { type: string; status: number; data?: string };
}

describe("TRUSTED_PROXY: per-address limits count the client the proxy names", () => {
  it("each client behind the proxy has its own new-guest limit; what a client writes itself is not believed", async () => {
    const answers = [];
    // The client wrote a different address each time before the proxy appended the one it saw.
    for (let n = 1; n <= 21; n++) answers.push(await newGuest(`Owl ${n}`, `192.0.2.${n}, 203.0.113.7`));
    expect(answers.slice(0, 20).map((a) => a.type)).toEqual(Array(20).fill("redirect"));
    expect(answers[20]).toMatchObject({ type: "failure", status: 429 });
    // Another worker behind the same proxy is not locked out by the first.
    expect(await newGuest("Wren", "203.0.113.8")).toMatchObject({ type: "redirect" });
  });

  it("the development mailbox is not served to someone the proxy on this machine passed on", async () => {
    expect((await fetch(`${app.url}/dev/mailbox`)).status).toBe(200);
    const passedOn = await fetch(`${app.url}/dev/mailbox`, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(passedOn.status).toBe(404);
  });
});
