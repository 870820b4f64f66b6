import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, startApp, tempDir, type RunningApp } from "../support/app.js";

/** Guests need no account, so making them must not be free for a script. */
const dataDir = tempDir("guest-limits");
let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await app?.stop();
  removeDir(dataDir);
});

async function newGuest(nickname: string) {
  const res = await fetch(`${app.url}/join?/join`, {
    method: "POST",
    body: new URLSearchParams({ nickname, agreement: "on", next: "/" }),
    headers: {
      "x-sveltekit-action": "true",
      "content-type": "application/x-www-form-urlencoded",
      origin: app.url,
    },
  });
  return (await res.json()) as { type: string; status: number; data?: string };
}

describe("new guests from one address", () => {
  it("are limited per hour per address, with a plain refusal", async () => {
    const answers: { type: string; status: number; data?: string }[] = [];
    for (let n = 1; n <= 21; n++) answers.push(await newGuest(`Owl ${String.fromCharCode(64 + n)}`));
    expect(answers.slice(0, 20).map((a) => a.type)).toEqual(Array(20).fill("redirect"));
    const refused = answers[20]!;
    expect(refused).toMatchObject({ type: "failure", status: 429 });
    expect(refused.data).toContain("Too many people have joined from this connection in the last hour");
  });
});
