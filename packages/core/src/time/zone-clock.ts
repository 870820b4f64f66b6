import { DAY_MS, HOUR_MS, MINUTE_MS } from "./floating.js";
import { offsetMinutesAt } from "./zoned.js";

/**
 * Bulk conversion between floating readings and instants in one zone. The rota
 * engine converts tens of thousands of readings; a new TZDate for each is the
 * cost it avoids: a ZoneClock learns the zone's offset changes over a window
 * once, then converts with arithmetic, with the rules of instantFromWallTime
 * (property-tested against it, DST nights included).
 */

/** No zone is more than 14 hours from UTC. */
const MAX_OFFSET_MS = 14 * HOUR_MS;
/** Zones never change offset twice within this; sampling at this step finds every change. */
const SAMPLE_MS = 6 * HOUR_MS;

export interface ZoneClock {
  readonly timeZone: string;
  /** UTC offset in minutes at an instant (ms). */
  offsetAt(instant: number): number;
  /** The instant at which clocks read `floating`, with the rules of instantFromWallTime. */
  toInstant(floating: number): number;
  /** The wall-clock reading (floating ms) at an instant. */
  toFloating(instant: number): number;
}

/**
 * A converter for one zone that is exact everywhere and fast inside
 * [fromInstant, toInstant] (widened by two days): offset changes there are
 * found once, to the minute, by sampling and bisection.
 */
export function zoneClock(timeZone: string, fromInstant: number, untilInstant: number): ZoneClock {
  const lo = Math.floor((fromInstant - 2 * DAY_MS) / MINUTE_MS) * MINUTE_MS;
  const hi = untilInstant + 2 * DAY_MS;
  const slowOffset = (t: number) => offsetMinutesAt(new Date(t), timeZone);
  // offsets[i] holds from changes[i - 1] (inclusive) to changes[i] (exclusive).
  const changes: number[] = [];
  const offsets: number[] = [slowOffset(lo)];
  let prevT = lo;
  let prevO = offsets[0]!;
  for (let t = lo + SAMPLE_MS; prevT < hi; t += SAMPLE_MS) {
    const o = slowOffset(t);
    if (o !== prevO) {
      // Bisect to the first minute with the new offset.
      let a = prevT;
      let b = t;
      while (b - a > MINUTE_MS) {
        const mid = a + Math.floor((b - a) / 2 / MINUTE_MS) * MINUTE_MS;
        if (slowOffset(mid) === prevO) a = mid;
        else b = mid;
      }
      changes.push(b);
      offsets.push(o);
      prevO = o;
    }
    prevT = t;
  }
  const end = prevT;

  const indexAt = (t: number): number => {
    let a = 0;
    let b = changes.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (changes[m]! <= t) a = m + 1;
      else b = m;
    }
    return a;
  };
  const offsetAt = (t: number): number => (t < lo || t >= end ? slowOffset(t) : offsets[indexAt(t)]!);

  const toInstant = (floating: number): number => {
    const first = indexAt(floating - MAX_OFFSET_MS);
    const last = indexAt(floating + MAX_OFFSET_MS);
    if (first === last && floating - MAX_OFFSET_MS >= lo && floating + MAX_OFFSET_MS < end) {
      return floating - offsets[first]! * MINUTE_MS;
    }
    // Near an offset change (or outside the learnt range): try every offset in
    // force within a day of the reading. Several fit: the reading happens twice,
    // take the first. None fits: the reading falls in a gap and moves forward by
    // its length, i.e. it is read with the offset before the change (the smaller).
    const candidates = new Set<number>([offsetAt(floating - MAX_OFFSET_MS), offsetAt(floating + MAX_OFFSET_MS)]);
    for (let i = first; i < last; i++) candidates.add(offsets[i + 1]!);
    let best = Number.POSITIVE_INFINITY;
    for (const o of candidates) {
      const t = floating - o * MINUTE_MS;
      if (offsetAt(t) === o && t < best) best = t;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    return floating - Math.min(...candidates) * MINUTE_MS;
  };

  return { timeZone, offsetAt, toInstant, toFloating: (t) => t + offsetAt(t) * MINUTE_MS };
}
