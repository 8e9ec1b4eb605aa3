/**
 * Yearly seasonality index for the next `horizon` days: for every past year k = 1 … K in the
 * history, the ratio of that year's level around each future day's date to that year's level
 * over the 28 days before the origin's date; the ratios are averaged in log space over the years,
 * shrunk toward 1 (less with more years) and bounded. A level model × this index = its yearly
 * variant (models/index.ts): the level describes the last weeks, the index says how the coming
 * weeks compared with them in earlier years. After a level shift (level-shift.ts) the level
 * describes the weeks since the shift, and so does the base when they are fewer than 28 days.
 *
 * Years are calendar years (365 or 366 days back, rounded from 365.2425·k), so that dated peaks
 * such as Christmas line up; the levels are means over whole weeks, so the weekday pattern
 * cancels out. With one past year the level around a day is a 4-week mean (one year is noisy);
 * with two or more the window narrows to 2 weeks, which resolves a peak such as December's
 * without letting the noise of a single year through.
 */

const YEAR_DAYS = 365.2425;
/** Days before the origin (and before its date in earlier years) whose mean is the base level. */
export const BASE_DAYS = 28;
/** Half-width (days) of the window around a future day's date: one past year / several. */
const HALF_WINDOW_ONE_YEAR = 14;
const HALF_WINDOW_YEARS = 7;
/** Past years looked at, at most. */
const MAX_YEARS = 6;
/** Pseudo-years of "no seasonality" in the shrinkage: weight K / (K + 0.5) on the mean log-ratio. */
const PRIOR_YEARS = 0.5;
const MAX_FACTOR = 3;
/** Floor of a past year's level relative to its base, so a closed season cannot give a zero index. */
const MIN_LEVEL_SHARE = 0.05;

/** Calendar days from a date to the same date k years earlier. */
export function yearShift(k: number): number {
  return Math.round(YEAR_DAYS * k);
}

/** Shortest training window with a yearly index: one year plus the base window. */
export const YEARLY_MIN_DAYS = yearShift(1) + BASE_DAYS;

/**
 * @param y training window (no NaN: censored days already imputed), y[n−1] = the day before the origin
 * @param baseDays days before the origin the level describes (at most BASE_DAYS)
 * @returns the index per future day, or undefined when y is shorter than YEARLY_MIN_DAYS or no past year sold in its base window
 */
export function yearlyIndex(y: Float64Array, horizon: number, baseDays = BASE_DAYS): Float64Array | undefined {
  return y.length < YEARLY_MIN_DAYS ? undefined : indexAt(prefixSums(y), y.length, horizon, baseDays);
}

function prefixSums(y: Float64Array): Float64Array {
  const prefix = new Float64Array(y.length + 1);
  for (let i = 0; i < y.length; i++) prefix[i + 1] = prefix[i]! + y[i]!;
  return prefix;
}

/** The index at origin n from the prefix sums of the days before it (later entries unused). */
function indexAt(prefix: Float64Array, n: number, horizon: number, baseDays: number): Float64Array | undefined {
  const meanOf = (a: number, b: number): number => {
    const lo = Math.max(0, a);
    const hi = Math.min(n, b);
    return hi > lo ? (prefix[hi]! - prefix[lo]!) / (hi - lo) : NaN;
  };
  let available = 0;
  while (available < MAX_YEARS && n - yearShift(available + 1) - BASE_DAYS >= 0) available++;
  const hw = available >= 2 ? HALF_WINDOW_YEARS : HALF_WINDOW_ONE_YEAR;
  const logSum = new Float64Array(horizon);
  let years = 0;
  for (let k = 1; k <= available; k++) {
    const shift = yearShift(k);
    const base = meanOf(n - shift - Math.min(baseDays, BASE_DAYS), n - shift);
    if (!(base > 0)) continue;
    for (let i = 0; i < horizon; i++) {
      const t = n - shift + i;
      // Days at or after the origin are never looked at (k = 1 with a horizon of about a year).
      const level = meanOf(t - hw, Math.min(t + hw, n));
      const r = level === level ? Math.max(level, MIN_LEVEL_SHARE * base) / base : 1;
      logSum[i] = logSum[i]! + Math.log(r);
    }
    years++;
  }
  if (years === 0) return undefined;
  const weight = 1 / (years + PRIOR_YEARS);
  const out = new Float64Array(horizon);
  for (let i = 0; i < horizon; i++) out[i] = Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, Math.exp(weight * logSum[i]!)));
  return out;
}

/**
 * Whether the yearly index has predicted this series' level: at origins every `horizon` days back
 * from the end, as far as an index exists, the total of the next `horizon` days forecast as the
 * mean of the 28 days before the origin × the index, against the same without the index; true
 * when the index's absolute errors sum lower. Looks at the training window only (every origin's
 * index from the days before it). False when no origin has an index.
 */
export function yearlySkill(y: Float64Array, horizon: number): boolean {
  const prefix = prefixSums(y);
  let withIndex = 0;
  let without = 0;
  for (let o = y.length - horizon; o >= YEARLY_MIN_DAYS; o -= horizon) {
    const index = indexAt(prefix, o, horizon, BASE_DAYS);
    if (!index) continue;
    const base = (prefix[o]! - prefix[o - BASE_DAYS]!) / BASE_DAYS;
    const actual = prefix[o + horizon]! - prefix[o]!;
    let factor = 0;
    for (let i = 0; i < horizon; i++) factor += index[i]!;
    withIndex += Math.abs(base * factor - actual);
    without += Math.abs(base * horizon - actual);
  }
  return withIndex < without;
}
