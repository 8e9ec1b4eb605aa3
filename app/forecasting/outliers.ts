/**
 * Spike detection on the input. Lumpy retail demand has heavy-tailed order sizes, so we work on
 * log(1 + units) of the selling days and flag values far above the robust centre (median + k·MAD).
 * Flagged values are capped for model fitting (a one-off bulk order must not drive the forecast);
 * they stay in the actuals used to calibrate the prediction intervals.
 */

import { quantileSorted } from "./stats";

/** Robust z threshold on the log scale (the usual "3 MADs" rule; log scale makes it far looser than 3 SDs of raw units). */
export const OUTLIER_Z = 3;
/** Below this many selling days nothing is flagged: not enough evidence of what is "normal". */
const MIN_SELLING_DAYS = 8;

export interface SpikeResult {
  /** Copy of the input with spikes capped (NaN preserved). */
  cleaned: Float64Array;
  /** Indexes of the capped values. */
  indexes: number[];
  cap: number;
}

export function capSpikes(y: ArrayLike<number>, z = OUTLIER_Z): SpikeResult {
  const n = y.length;
  const cleaned = Float64Array.from(y);
  const logs: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (v > 0) logs.push(Math.log1p(v));
  }
  if (logs.length < MIN_SELLING_DAYS) return { cleaned, indexes: [], cap: Infinity };
  const sorted = Float64Array.from(logs).sort();
  const med = quantileSorted(sorted, 0.5);
  const dev = Float64Array.from(logs, (l) => Math.abs(l - med)).sort();
  // Floor the spread so a series with near-constant order sizes still tolerates normal variation.
  const mad = Math.max(1.4826 * quantileSorted(dev, 0.5), 0.5);
  const cap = Math.expm1(med + z * mad);
  const indexes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (cleaned[i]! > cap) {
      cleaned[i] = cap;
      indexes.push(i);
    }
  }
  return { cleaned, indexes, cap };
}
