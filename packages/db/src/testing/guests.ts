import { randomBytes } from "node:crypto";
import type { Identity } from "@offshift/core";
import type { Db } from "../client.js";
import { testPrisma } from "./prisma.js";

/**
 * Named guests for tests of the 1:1 line: each name is one real Guest row
 * (made on first use), handed out as a worker's identity, and named back
 * from one so that tests read as "owl asked", not as ids.
 */
export function namedGuests(db: () => Db, at = new Date("2026-01-01T00:00:00Z")) {
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  const guest = async (name: string): Promise<Identity> => {
    let id = ids.get(name);
    if (!id) {
      const row = await testPrisma(db()).guest.create({
        data: {
          nickname: name.slice(0, 24),
          tokenHash: randomBytes(32).toString("hex"),
          agreementAcceptedAt: at,
          createdAt: at,
          lastSeenAt: at,
        },
        select: { id: true },
      });
      id = row.id;
      ids.set(name, id);
      names.set(id, name);
    }
    return { kind: "guest", id };
  };
  /** The test's name for this guest (or the id of anyone else; null for nobody). */
  const nameOf = (who: Identity | null | undefined): string | null => (who ? (names.get(who.id) ?? who.id) : null);
  return { guest, nameOf };
}
