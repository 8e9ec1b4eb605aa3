/**
 * Conformal-style prediction intervals from rolling-origin backtest errors.
 *
 * Non-conformity score: r = (actual − forecast) / σ, with σ = forecast + s0 (errors of unit demand
 * grow with the level; s0 keeps low-forecast days from collapsing to a zero-width band).
 * Bands = forecast + σ · g(h) · quantile(r) at 10/90 % and 2.5/97.5 %, with the finite-sample
 * conformal rank, a horizon factor g(h) (mean |r| per week of horizon relative to the overall
 * mean, shrunk and made non-decreasing), clipped at 0 and never excluding the forecast itself.
 * Coverage is measured leave-one-origin-out: calibrate on the other origins, score this one.
 */

export interface Residual {
  forecast: number;
  actual: number;
  /** 0-based step ahead. */
  h: number;
  origin: number;
}

export interface Calibration {
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
  /** Multiplier per week of horizon (index = floor(h / 7)); the last one extends further. */
  horizonFactor: number[];
  s0: number;
}

const BUCKET = 7;
/** Pseudo-count (residuals) pulling each horizon bucket's factor toward 1. */
const BUCKET_PRIOR = 30;
/** s0 as a share of the mean forecast. */
const S0_SHARE = 0.2;

/** Conformal quantile: the ⌈(m+1)p⌉-th smallest of m scores (upper) or mirrored (lower). */
function conformalQuantile(sorted: Float64Array, p: number): number {
  const m = sorted.length;
  if (m === 0) return 0;
  if (p >= 0.5) {
    const k = Math.min(m, Math.ceil((m + 1) * p));
    return sorted[k - 1]!;
  }
  const k = Math.max(1, Math.floor((m + 1) * p));
  return sorted[k - 1]!;
}

export function calibrate(res: readonly Residual[], exclude = -1): Calibration | undefined {
  let fs = 0;
  let fc = 0;
  for (const r of res) {
    if (r.origin === exclude) continue;
    fs += r.forecast;
    fc++;
  }
  if (fc < 10) return undefined;
  const s0 = Math.max((S0_SHARE * fs) / fc, 1e-3);
  // Pass 1: mean |score| per week of horizon → horizon factors (shrunk toward 1, non-decreasing).
  const bucketAbs: number[] = [];
  const bucketN: number[] = [];
  let absAll = 0;
  for (const r of res) {
    if (r.origin === exclude) continue;
    const z = (r.actual - r.forecast) / (r.forecast + s0);
    const b = Math.floor(r.h / BUCKET);
    bucketAbs[b] = (bucketAbs[b] ?? 0) + Math.abs(z);
    bucketN[b] = (bucketN[b] ?? 0) + 1;
    absAll += Math.abs(z);
  }
  const meanAbs = absAll / fc;
  const horizonFactor: number[] = [];
  let prev = 0;
  for (let b = 0; b < bucketN.length; b++) {
    const nb = bucketN[b] ?? 0;
    const gb = nb > 0 && meanAbs > 0 ? (bucketAbs[b] ?? 0) / nb / meanAbs : 1;
    const g = (nb * gb + BUCKET_PRIOR) / (nb + BUCKET_PRIOR);
    prev = Math.max(prev, g);
    horizonFactor.push(prev);
  }
  if (horizonFactor.length === 0) horizonFactor.push(1);
  // Pass 2: pooled scores normalised by their horizon factor; bands multiply it back.
  const scores = new Float64Array(fc);
  let k = 0;
  for (const r of res) {
    if (r.origin === exclude) continue;
    const g = horizonFactor[Math.min(horizonFactor.length - 1, Math.floor(r.h / BUCKET))]!;
    scores[k++] = (r.actual - r.forecast) / (r.forecast + s0) / g;
  }
  scores.sort();
  return {
    lo80: Math.min(0, conformalQuantile(scores, 0.1)),
    hi80: Math.max(0, conformalQuantile(scores, 0.9)),
    lo95: Math.min(0, conformalQuantile(scores, 0.025)),
    hi95: Math.max(0, conformalQuantile(scores, 0.975)),
    horizonFactor,
    s0,
  };
}

export interface Band {
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export function band(cal: Calibration, forecast: number, h: number): Band {
  const g = cal.horizonFactor[Math.min(cal.horizonFactor.length - 1, Math.floor(h / BUCKET))] ?? 1;
  const s = (forecast + cal.s0) * g;
  const f = Math.max(0, forecast);
  return {
    lo80: Math.min(f, Math.max(0, forecast + cal.lo80 * s)),
    hi80: Math.max(f, forecast + cal.hi80 * s),
    lo95: Math.min(f, Math.max(0, forecast + cal.lo95 * s)),
    hi95: Math.max(f, forecast + cal.hi95 * s),
  };
}

/** Leave-one-origin-out coverage of the 80 % and 95 % bands; NaN with fewer than two origins. */
export function looCoverage(res: readonly Residual[], origins: number): { coverage80: number; coverage95: number } {
  if (origins < 2) return { coverage80: NaN, coverage95: NaN };
  let n = 0;
  let c80 = 0;
  let c95 = 0;
  for (let o = 0; o < origins; o++) {
    const cal = calibrate(res, o);
    if (!cal) continue;
    for (const r of res) {
      if (r.origin !== o) continue;
      const b = band(cal, r.forecast, r.h);
      n++;
      if (r.actual >= b.lo80 - 1e-9 && r.actual <= b.hi80 + 1e-9) c80++;
      if (r.actual >= b.lo95 - 1e-9 && r.actual <= b.hi95 + 1e-9) c95++;
    }
  }
  return n > 0 ? { coverage80: c80 / n, coverage95: c95 / n } : { coverage80: NaN, coverage95: NaN };
}
