import { sameJson as same } from "./same.js";
import type { RoomSnapshot } from "./state.js";

/**
 * A room change as the change, not the whole snapshot: a chat line moves
 * `chatSeq` and nothing else, a raised hand one member and the queue. Every
 * member of a 12-person room gets each change, so on slow mobile data and at
 * scale the difference is most of the bytes. `from` is the version the patch
 * applies to: a client holding any other version (it missed one, or came in
 * late) asks for the whole room again (room:sync) instead of guessing.
 */
export interface RoomPatch {
  occurrenceId: string;
  from: number;
  version: number;
  /** Top-level fields that changed (members excepted), with their new values. */
  set?: Partial<Omit<RoomSnapshot, "members" | "version" | "occurrenceId">>;
  /** Members new or changed, whole. */
  members?: RoomSnapshot["members"];
  /** Ids of members who left. */
  gone?: string[];
  /** The members' order, only when it is not what upserting at the end would give. */
  order?: string[];
}

type Member = RoomSnapshot["members"][number];

/** The patch that turns `prev` into `next` (both snapshots of one room). */
export function roomPatch(prev: RoomSnapshot, next: RoomSnapshot): RoomPatch {
  const patch: RoomPatch = { occurrenceId: next.occurrenceId, from: prev.version, version: next.version };
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof RoomSnapshot)[]) {
    if (key === "members" || key === "version" || key === "occurrenceId") continue;
    if (!same(prev[key], next[key])) set[key] = next[key];
  }
  if (Object.keys(set).length > 0) patch.set = set as RoomPatch["set"];
  const before = new Map(prev.members.map((m) => [m.id, m]));
  const after = new Set(next.members.map((m) => m.id));
  const changed = next.members.filter((m) => !same(before.get(m.id), m));
  const gone = prev.members.filter((m) => !after.has(m.id)).map((m) => m.id);
  if (changed.length > 0) patch.members = changed;
  if (gone.length > 0) patch.gone = gone;
  const naive = mergeMembers(prev.members, changed, gone).map((m) => m.id);
  const order = next.members.map((m) => m.id);
  if (!same(naive, order)) patch.order = order;
  return patch;
}

/**
 * `snapshot` with `patch` applied, or null when the patch is not for this
 * version of this room (the caller then fetches the whole room again).
 */
export function applyRoomPatch(snapshot: RoomSnapshot | null, patch: RoomPatch): RoomSnapshot | null {
  if (!snapshot || snapshot.occurrenceId !== patch.occurrenceId || snapshot.version !== patch.from) return null;
  let members = mergeMembers(snapshot.members, patch.members ?? [], patch.gone ?? []);
  if (patch.order) {
    const byId = new Map(members.map((m) => [m.id, m]));
    const ordered = patch.order.map((id) => byId.get(id));
    if (ordered.some((m) => !m) || ordered.length !== members.length) return null;
    members = ordered as Member[];
  }
  return { ...snapshot, ...patch.set, members, version: patch.version };
}

function mergeMembers(members: readonly Member[], changed: readonly Member[], gone: readonly string[]): Member[] {
  const out = members.filter((m) => !gone.includes(m.id));
  for (const m of changed) {
    const at = out.findIndex((x) => x.id === m.id);
    if (at >= 0) out[at] = m;
    else out.push(m);
  }
  return out;
}

/** How long a client waits for a missing patch before it fetches the whole room. */
export const PATCH_GAP_MS = 1000;

/**
 * What a client does with the patches it receives. With two realtime nodes a
 * change made on the other node crosses the cluster adapter and can arrive
 * after a later one made on this node, so a patch that does not follow what
 * the client holds is kept until the one before it comes; `gap` stays true
 * while one is missing, and the client fetches the whole room (room:sync) if
 * it lasts PATCH_GAP_MS. Patches for versions already held (the client's own
 * command's answer carried them) are dropped.
 */
export class RoomPatches {
  readonly #waiting = new Map<number, RoomPatch>();

  /** A patch arrived: the snapshot to hold now (null: nothing new yet), and whether one is missing. */
  receive(held: RoomSnapshot | null, patch: RoomPatch): { snapshot: RoomSnapshot | null; gap: boolean } {
    if (held && held.occurrenceId === patch.occurrenceId && patch.version <= held.version)
      return { snapshot: null, gap: this.#waiting.size > 0 };
    this.#waiting.set(patch.from, patch);
    return this.settle(held);
  }

  /** Applies whatever waiting patches now follow `held` (after a patch, or a whole snapshot from an answer). */
  settle(held: RoomSnapshot | null): { snapshot: RoomSnapshot | null; gap: boolean } {
    let current = held;
    let moved = false;
    for (let next = current && this.#waiting.get(current.version); current && next;) {
      this.#waiting.delete(current.version);
      const applied = applyRoomPatch(current, next);
      if (!applied) break;
      current = applied;
      moved = true;
      next = this.#waiting.get(current.version);
    }
    if (current) for (const from of this.#waiting.keys()) if (from < current.version) this.#waiting.delete(from);
    return { snapshot: moved ? current : null, gap: this.#waiting.size > 0 };
  }

  /** Forget what is waiting (the whole room is being fetched). */
  clear(): void {
    this.#waiting.clear();
  }
}
