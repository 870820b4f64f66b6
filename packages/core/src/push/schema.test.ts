import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REVEALING_WORDS, pushNotification, pushSubscriptionInput, type PushMessage } from "./schema.js";

const key65 = Buffer.alloc(65, 4).toString("base64url");
const auth16 = Buffer.alloc(16, 7).toString("base64url");
const valid = {
  endpoint: "https://push.example.org/send/abc",
  keys: { p256dh: key65, auth: auth16 },
  topics: ["talk"],
};

describe("a push subscription from a browser", () => {
  it("is taken with its keys, its topics (deduplicated) and discreet by default", () => {
    const parsed = pushSubscriptionInput.parse({ ...valid, topics: ["talk", "talk", "offers"] });
    expect(parsed).toEqual({ ...valid, topics: ["talk", "offers"], discreet: true });
  });

  it.each([
    [{ ...valid, endpoint: "http://push.example.org/x" }, "The push address must be an https:// URL"],
    [{ ...valid, endpoint: "not a url" }, "The push address must be an https:// URL"],
    [
      { ...valid, keys: { ...valid.keys, p256dh: Buffer.alloc(33).toString("base64url") } },
      "The device key must be 65 bytes",
    ],
    [{ ...valid, keys: { ...valid.keys, auth: "a+b/" } }, "The device secret must be base64url"],
    [{ ...valid, topics: ["email"] }, "Unknown kind of notification"],
  ])("refuses %j with a clear reason", (input, message) => {
    const r = pushSubscriptionInput.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toContain(message);
  });

  it("has nowhere to put a name, an email or a phone number", () => {
    const parsed = pushSubscriptionInput.parse({ ...valid, email: "a@b.c", name: "Ann", phone: "07700900000" });
    expect(Object.keys(parsed).sort()).toEqual(["discreet", "endpoint", "keys", "topics"]);
  });
});

const messages = fc.oneof(
  fc.record({ kind: fc.constant("talk-ready" as const), callId: fc.uuid() }),
  fc.record({
    kind: fc.constant("talk-offer" as const),
    offerId: fc.uuid(),
    answerWithinSeconds: fc.integer({ min: 5, max: 120 }),
  }),
  fc.record({ kind: fc.constant("dropin-soon" as const), occurrenceId: fc.uuid(), title: fc.string() }),
  fc.record({ kind: fc.constant("dropin-cancelled" as const), occurrenceId: fc.uuid(), title: fc.string() }),
  fc.record({
    kind: fc.constant("rota-reminder" as const),
    slotId: fc.uuid(),
    name: fc.string(),
    when: fc.constantFrom("Tonight at 21:30", "Tomorrow at 06:30", "Friday at 13:00"),
    lead: fc.constantFrom("24h" as const, "1h" as const),
  }),
  fc.record({
    kind: fc.constant("rota-cover" as const),
    offerId: fc.uuid(),
    name: fc.string(),
    when: fc.constantFrom("Tonight at 21:30", "Tomorrow at 06:30", "Friday at 13:00"),
  }),
);

describe("notification wording", () => {
  it("discreet text never says what the service is, whatever the drop-in is called", () => {
    fc.assert(
      fc.property(messages, (m: PushMessage) => {
        const n = pushNotification(m, true);
        const shown = `${n.title} ${n.body}`.toLowerCase();
        for (const word of REVEALING_WORDS) expect(shown).not.toContain(word);
        if ("title" in m && m.title.trim().length > 3) expect(shown).not.toContain(m.title.toLowerCase());
        if ("name" in m && m.name.trim().length > 3) expect(shown).not.toContain(m.name.toLowerCase());
      }),
    );
  });

  it("fuller wording, when chosen, says what it is about", () => {
    expect(pushNotification({ kind: "talk-offer", offerId: "o1", answerWithinSeconds: 30 }, false)).toMatchObject({
      title: "Someone would like to talk",
      body: "Answer within 30 s, or it passes to the next volunteer.",
      url: "/volunteer/on-call?offer=o1",
    });
    expect(pushNotification({ kind: "talk-ready", callId: "c1" }, false)).toMatchObject({
      title: "A volunteer is ready for you",
      url: "/talk/call/c1",
    });
    expect(pushNotification({ kind: "dropin-soon", occurrenceId: "d1", title: "Lone working" }, false)).toMatchObject({
      title: "Your drop-in opens in 10 minutes",
      body: "Lone working",
    });
    expect(
      pushNotification({ kind: "rota-cover", offerId: "o2", name: "Talk line late", when: "Tonight at 21:30" }, false),
    ).toMatchObject({ title: "Cover needed: Talk line late", url: "/rota" });
    expect(
      pushNotification(
        { kind: "rota-reminder", slotId: "s1", name: "Talk line late", when: "Tonight at 21:30", lead: "1h" },
        true,
      ),
    ).toMatchObject({ title: "In an hour", body: "Tonight at 21:30. Tap to open.", url: "/rota" });
  });

  it("both wordings open the same page", () => {
    fc.assert(
      fc.property(messages, (m: PushMessage) => {
        expect(pushNotification(m, true).url).toBe(pushNotification(m, false).url);
        expect(pushNotification(m, true).tag).toBe(pushNotification(m, false).tag);
      }),
    );
  });
});
