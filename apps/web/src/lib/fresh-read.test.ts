import { describe, expect, it } from "vitest";
import { FreshReads } from "./fresh-read.js";

/** A server whose answers are slow: each read sees the state when it was asked, and answers when told. */
function slowServer<T>(initial: T) {
  let state = initial;
  const pending: (() => void)[] = [];
  return {
    set: (next: T) => (state = next),
    read: () =>
      new Promise<T>((resolve) => {
        const seen = state;
        pending.push(() => resolve(seen));
      }),
    answerNext: async () => {
      pending.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe("FreshReads", () => {
  it("applies an answer no event crossed", async () => {
    const server = slowServer({ offer: null as string | null });
    const reads = new FreshReads();
    const answer = reads.read(server.read);
    await server.answerNext();
    expect(await answer).toEqual({ offer: null });
  });

  it("reads again when an event was heard while the read was out: the offer that came meanwhile stays", async () => {
    const server = slowServer({ offer: null as string | null });
    const reads = new FreshReads();
    const page = { offer: null as string | null };
    const syncing = reads.read(server.read).then((a) => a && Object.assign(page, a));
    // The offer is made and pushed after the read was answered from before it, but before that answer lands.
    server.set({ offer: "offer-1" });
    reads.heard();
    page.offer = "offer-1";
    await server.answerNext(); // the stale answer: no offer
    expect(page.offer).toBe("offer-1");
    await server.answerNext(); // the second read, from after the offer
    await syncing;
    expect(page.offer).toBe("offer-1");
  });

  it("gives up after so many crossed reads, leaving what the events said", async () => {
    const server = slowServer(0);
    const reads = new FreshReads();
    const answer = reads.read(server.read, 3);
    for (let i = 0; i < 3; i++) {
      reads.heard();
      await server.answerNext();
    }
    expect(await answer).toBeNull();
  });

  it("a read that gives nothing gives nothing", async () => {
    const reads = new FreshReads();
    expect(await reads.read(async () => null)).toBeNull();
  });
});
