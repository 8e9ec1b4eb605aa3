/**
 * Intermittent-demand methods on the sequence of observed open days: Croston (1972), the
 * Syntetos–Boylan approximation (SBA, bias-corrected Croston) and Teunter–Syntetos–Babai (TSB,
 * which updates the demand probability every day and so decays for dying items).
 * The per-open-day rate is spread over the horizon with the weekday profile.
 */

import { spreadOpenDayRate, type ModelFn, type ModelInput } from "./types";

export const CROSTON_ALPHA = 0.1;
export const TSB_ALPHA = 0.1;
export const TSB_BETA = 0.05;

function openValues(m: ModelInput): Float64Array {
  const n = m.y.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if (m.observed[i] === 1) out[k++] = m.y[i]!;
  return out.subarray(0, k);
}

/** Croston's size and interval estimates after the whole series. */
export function crostonRate(x: Float64Array, alpha = CROSTON_ALPHA): number {
  let first = -1;
  for (let i = 0; i < x.length; i++)
    if (x[i]! > 0) {
      first = i;
      break;
    }
  if (first < 0) return 0;
  let z = x[first]!;
  let p = first + 1;
  let q = 1;
  for (let i = first + 1; i < x.length; i++) {
    const v = x[i]!;
    if (v > 0) {
      z += alpha * (v - z);
      p += alpha * (q - p);
      q = 1;
    } else q++;
  }
  return z / p;
}

export const croston: ModelFn = (m) => spreadOpenDayRate(m, crostonRate(openValues(m)));

export const sba: ModelFn = (m) => spreadOpenDayRate(m, (1 - CROSTON_ALPHA / 2) * crostonRate(openValues(m)));

export function tsbRate(x: Float64Array, alpha = TSB_ALPHA, beta = TSB_BETA): number {
  let nz = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++)
    if (x[i]! > 0) {
      nz++;
      s += x[i]!;
    }
  if (nz === 0) return 0;
  let z = s / nz;
  let prob = nz / x.length;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v > 0) {
      prob += beta * (1 - prob);
      z += alpha * (v - z);
    } else prob -= beta * prob;
  }
  return prob * z;
}

export const tsb: ModelFn = (m) => spreadOpenDayRate(m, tsbRate(openValues(m)));
