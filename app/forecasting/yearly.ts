/**
 * Yearly seasonality index for the next `horizon` days, from the same weeks one year earlier
 * (364 days back, so weekdays line up): the ratio of last year's level around each future day
 * to last year's level just before the origin, shrunk toward 1 and bounded. Returns undefined
 * when the history is shorter than a year plus the reference window.
 */

const YEAR = 364;
const BASE = 28;
const HALF_WINDOW = 14;
/** Weight of the yearly ratio in log space (0 = ignore, 1 = trust fully). */
const SHRINK = 0.7;

export function yearlyIndex(y: Float64Array, horizon: number): Float64Array | undefined {
  const n = y.length;
  if (n < YEAR + BASE) return undefined;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + y[i]!;
  const meanOf = (a: number, b: number): number => {
    const lo = Math.max(0, a);
    const hi = Math.min(n, b);
    return hi > lo ? (prefix[hi]! - prefix[lo]!) / (hi - lo) : NaN;
  };
  const base = meanOf(n - YEAR - BASE, n - YEAR);
  if (!(base > 0)) return undefined;
  const out = new Float64Array(horizon);
  for (let i = 0; i < horizon; i++) {
    const t = n - YEAR + i;
    const lvl = meanOf(t - HALF_WINDOW, t + HALF_WINDOW);
    const r = lvl === lvl ? Math.max(lvl, 0.05 * base) / base : 1;
    out[i] = Math.min(3, Math.max(1 / 3, Math.exp(SHRINK * Math.log(r))));
  }
  return out;
}
