/**
 * Exponential smoothing on the weekday-adjusted series (closed weekdays skipped): simple (SES)
 * and damped-trend (Holt) variants; smoothing parameters picked from a small grid by one-step
 * mean absolute error, which is robust on lumpy demand. Re-seasonalised with the weekday profile
 * (their yearly variants are in ./index.ts).
 */

import { sinceLevelShift, spreadDailyLevel, type ModelFn, type ModelInput } from "./types";

const SES_ALPHAS = [0.03, 0.08, 0.15, 0.3] as const;
const HOLT_GRID = [
  [0.05, 0.01],
  [0.1, 0.02],
  [0.2, 0.05],
] as const;
/** Damping per open day; with 28 days the trend contributes at most ~9 steps' worth. */
const PHI = 0.9;

/** Weekday-adjusted values of open days (profile > 0), in order. */
function adjusted(m: ModelInput): Float64Array {
  const n = m.y.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const p = m.profile[(m.startDow + i) % 7]!;
    if (p > 0) out[k++] = m.y[i]! / p;
  }
  return out.subarray(0, k);
}

function initialLevel(x: Float64Array): number {
  const k = Math.min(x.length, 28);
  let s = 0;
  for (let i = 0; i < k; i++) s += x[i]!;
  return k > 0 ? s / k : 0;
}

export function sesLevel(x: Float64Array, alphas: readonly number[] = SES_ALPHAS): number {
  if (x.length === 0) return 0;
  const l0 = initialLevel(x);
  let best = Infinity;
  let bestLevel = l0;
  for (const a of alphas) {
    let l = l0;
    let err = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      err += Math.abs(v - l);
      l += a * (v - l);
    }
    if (err < best) {
      best = err;
      bestLevel = l;
    }
  }
  return bestLevel;
}

/** SES with weekly seasonality (on the days since a level shift when there is one). */
export const sesWeekly: ModelFn = (m) => spreadDailyLevel(m, sesLevel(adjusted(sinceLevelShift(m))));

/** Damped-trend exponential smoothing with weekly seasonality (on the days since a level shift when there is one). */
export const dampedWeekly: ModelFn = (full) => {
  const m = sinceLevelShift(full);
  const x = adjusted(m);
  if (x.length < 14) return spreadDailyLevel(m, initialLevel(x));
  const l0 = initialLevel(x);
  let best = Infinity;
  let bl = l0;
  let bb = 0;
  for (const [a, b] of HOLT_GRID) {
    let l = l0;
    let t = 0;
    let err = 0;
    for (let i = 0; i < x.length; i++) {
      const f = l + PHI * t;
      const v = x[i]!;
      err += Math.abs(v - f);
      const nl = f + a * (v - f);
      t = PHI * t + (b * (nl - l - PHI * t)) / 1;
      l = nl;
    }
    if (err < best) {
      best = err;
      bl = l;
      bb = t;
    }
  }
  // Forecast per open day: l + (φ + … + φ^k) t.
  const out = new Float64Array(m.horizon);
  let openK = 0;
  let phiSum = 0;
  for (let i = 0; i < m.horizon; i++) {
    const p = m.profile[(m.startDow + m.y.length + i) % 7]!;
    if (p > 0) {
      openK++;
      phiSum += Math.pow(PHI, openK);
    }
    out[i] = Math.max(0, (bl + phiSum * bb) * p);
  }
  return out;
};
