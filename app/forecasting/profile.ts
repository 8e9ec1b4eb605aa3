/**
 * Weekday profile: multiplicative day-of-week factors (index 0 = Monday), mean 1 over the week.
 * Per-series estimates are shrunk toward a prior (the shop's own profile, or flat) because a
 * single lumpy series has too few orders per weekday to trust its raw shares.
 */

/** Pseudo-weeks of prior weight in the shrinkage. A generic smoothing constant, not fitted to any data set. */
const PRIOR_WEEKS = 6;
/** How many most recent days the profile looks at. */
const PROFILE_WINDOW = 364;

export const FLAT_PROFILE: readonly number[] = [1, 1, 1, 1, 1, 1, 1];

/**
 * @param y daily values, NaN = unknown
 * @param startDow weekday (0 = Monday) of y[0]
 * @param prior optional prior profile; a 0 in it marks a closed weekday and forces 0
 */
export function weekdayProfile(y: ArrayLike<number>, startDow: number, prior?: readonly number[]): Float64Array {
  const n = y.length;
  const from = Math.max(0, n - PROFILE_WINDOW);
  const s = new Float64Array(7);
  const c = new Float64Array(7);
  let total = 0;
  let count = 0;
  let nonZeroDays = 0;
  for (let i = from; i < n; i++) {
    const v = y[i]!;
    if (v !== v) continue;
    const w = (startDow + i) % 7;
    s[w] = s[w]! + v;
    c[w] = c[w]! + 1;
    total += v;
    count++;
    if (v > 0) nonZeroDays++;
  }
  const out = new Float64Array(7);
  if (count === 0 || total <= 0) {
    for (let w = 0; w < 7; w++) out[w] = prior ? prior[w]! : 1;
    return normalise(out);
  }
  const m = total / count;
  for (let w = 0; w < 7; w++) {
    const p = prior ? prior[w]! : 1;
    // A weekday that never sold in 8+ observed weeks while the series sells regularly elsewhere is closed.
    const closedHere = c[w]! >= 8 && s[w]! === 0 && nonZeroDays >= 8;
    if (p === 0 || closedHere) {
      out[w] = 0;
      continue;
    }
    out[w] = (s[w]! + PRIOR_WEEKS * p * m) / (c[w]! * m + PRIOR_WEEKS * m);
  }
  return normalise(out);
}

function normalise(p: Float64Array): Float64Array {
  let t = 0;
  for (let w = 0; w < 7; w++) t += p[w]!;
  if (t <= 0) return p.fill(1);
  for (let w = 0; w < 7; w++) p[w] = (p[w]! * 7) / t;
  return p;
}

/** Number of weekdays with a non-zero factor. */
export function openWeekdays(profile: ArrayLike<number>): number {
  let k = 0;
  for (let w = 0; w < 7; w++) if (profile[w]! > 0) k++;
  return k;
}
