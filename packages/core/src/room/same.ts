/**
 * Whether two JSON values (what a room's state and snapshots are made of) are
 * the same: what `JSON.stringify(a) === JSON.stringify(b)` answers for values
 * built the same way, without writing either out. Core's room rules copy only
 * what a command changes, so most of a state is shared with the one before it
 * and is answered at the first `===`; on a busy node the two strings each
 * command used to build were a measurable part of its CPU and garbage.
 * As in JSON, a property whose value is `undefined` is the same as none.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], other[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    keys += 1;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) keys -= 1;
  return keys === 0;
}
