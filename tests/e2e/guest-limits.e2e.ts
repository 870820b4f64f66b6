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

async function countMeIn(occurrenceId: string, intent: "join" | "leave", cookie?: string) {
  const res = await fetch(`${app.url}/?/intent`, {
    method: "POST",
    body: new URLSearchParams({ occurrenceId, intent }),
    headers: {
      "x-sveltekit-action": "true",
      "content-type": "application/x-www-form-urlencoded",
      origin: app.url,
      ...(cookie ? { cookie } : {}),
    },
  });
  return (await res.json()) as { type: string; status: number; data?: string };
}
const planning = (answer: { data?: string }) => {
  // SvelteKit's devalue: the data is an array whose entries point into it; "planning" is a number.
  const flat = JSON.parse(answer.data ?? "[]") as unknown[];
  const shape = flat[0] as Record<string, number>;
  return flat[shape.planning!] as number;
};

describe('"Count me in" counts people, not requests', () => {
  it("a request without a nickname or account is not counted, however many are sent; a guest counts once, and floods are limited", async () => {
    const html = await (await fetch(app.url)).text();
    const occurrenceId = /data-occurrence-id="([0-9a-f-]{36})"/.exec(html)![1]!;
    for (let i = 0; i < 5; i++) {
      const anonymous = await countMeIn(occurrenceId, "join");
      expect(anonymous).toMatchObject({ type: "failure", status: 403 });
      expect(anonymous.data).toContain("Choose a nickname first, so you are counted once.");
    }
    const joined = await fetch(`${app.url}/join?/join`, {
      method: "POST",
      body: new URLSearchParams({ nickname: "Night Owl", agreement: "on", next: "/" }),
      headers: { "x-sveltekit-action": "true", "content-type": "application/x-www-form-urlencoded", origin: app.url },
    });
    const cookie = joined.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const first = await countMeIn(occurrenceId, "join", cookie);
    expect(first.type).toBe("success");
    expect(planning(first)).toBe(1);
    const again = await countMeIn(occurrenceId, "join", cookie);
    expect(planning(again)).toBe(1); // the same person, counted once
    // Toggling on and off in a loop is a flood: limited per guest, with a plain refusal.
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await countMeIn(occurrenceId, i % 2 ? "join" : "leave", cookie));
    const refused = answers.find((a) => a.type === "failure");
    expect(refused).toMatchObject({ status: 429 });
    expect(refused!.data).toContain("That was a lot of changes");
  });
});

describe("new guests from one address", () => {
  it("are limited per hour per address, with a plain refusal", async () => {
    const answers: { type: string; status: number; data?: string }[] = [];
    for (let n = 1; n <= 20; n++) answers.push(await newGuest(`Owl ${String.fromCharCode(64 + n)}`));
    // One was made by the "Count me in" test above, from this same address.
    expect(answers.slice(0, 19).map((a) => a.type)).toEqual(Array(19).fill("redirect"));
    const refused = answers[19]!;
    expect(refused).toMatchObject({ type: "failure", status: 429 });
    expect(refused.data).toContain("Too many people have joined from this connection in the last hour");
  });
});
