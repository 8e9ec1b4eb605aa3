/**
 * Level shift at the end of the training window: have the last weeks broken from the weeks before?
 * Smoothers with a long memory (SES with a small α, weekly ADIDA, a 28-day mean) take weeks to
 * follow a shift that is already plain in the data (a new listing, a price change, a competitor
 * gone); the level models then fit the weeks since the shift only (models/types.ts
 * `sinceLevelShift`), so the forecast starts from the new level.
 *
 * Test, on whole weeks ending at the origin (weekly totals: no weekday pattern, far less noise
 * than days): for the last S = 2, 3, 4, 6 or 8 weeks against the R = 8 weeks before them,
 * t = (mean_S − mean_R) / (σ_R · √(1/S + 1/R)), with σ_R the standard deviation of the R weekly
 * totals, at least the Poisson spread √mean_R. A shift needs |t| ≥ 4, a change of at least 10 %,
 * and every one of the S weeks on the far side of the midpoint between the two means (one odd
 * week cannot make it); among the S that pass, the largest |t| wins. Only the training window is
 * looked at, so the rolling origins of selection see the same rule as the final fit.
 */

const WEEK = 7;
/** Candidate lengths (weeks) of the recent segment, and the weeks before it that it is compared with. */
const SEGMENT_WEEKS = [2, 3, 4, 6, 8] as const;
const REFERENCE_WEEKS = 8;
const MAX_SEGMENT_WEEKS = SEGMENT_WEEKS[SEGMENT_WEEKS.length - 1]!;
/** |t| needed ("4 σ": five overlapping segments are tested and σ comes from 8 weeks). */
const MIN_T = 4;
/** Smallest relative change that counts as a shift. */
const MIN_CHANGE = 0.1;

export interface LevelShift {
  /** Days since the shift (whole weeks), 0 when there is none. */
  days: number;
  /** t statistic of the chosen segment, 0 when there is none. */
  t: number;
}

/** @param y training window (no NaN: censored days imputed), y[n−1] = the day before the origin */
export function levelShift(y: ArrayLike<number>): LevelShift {
  const none: LevelShift = { days: 0, t: 0 };
  const n = y.length;
  if (n < (MAX_SEGMENT_WEEKS + REFERENCE_WEEKS) * WEEK) return none;
  // w[0] = the last week before the origin, w[1] the one before, …
  const w = new Float64Array(MAX_SEGMENT_WEEKS + REFERENCE_WEEKS);
  for (let k = 0; k < w.length; k++) {
    let s = 0;
    for (let d = 0; d < WEEK; d++) s += y[n - 1 - k * WEEK - d]!;
    w[k] = s;
  }
  let best = none;
  for (const S of SEGMENT_WEEKS) {
    const ms = meanOf(w, 0, S);
    const mr = meanOf(w, S, S + REFERENCE_WEEKS);
    let v = 0;
    for (let k = S; k < S + REFERENCE_WEEKS; k++) v += (w[k]! - mr) ** 2;
    const sd = Math.max(Math.sqrt(v / (REFERENCE_WEEKS - 1)), Math.sqrt(mr), 1e-9);
    const t = (ms - mr) / (sd * Math.sqrt(1 / S + 1 / REFERENCE_WEEKS));
    if (Math.abs(t) < MIN_T || Math.abs(ms - mr) < MIN_CHANGE * mr || Math.abs(t) <= Math.abs(best.t)) continue;
    const mid = (ms + mr) / 2;
    let consistent = true;
    for (let k = 0; k < S && consistent; k++) consistent = ms > mr ? w[k]! > mid : w[k]! < mid;
    if (consistent) best = { days: S * WEEK, t };
  }
  return best;
}

function meanOf(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s / (to - from);
}
