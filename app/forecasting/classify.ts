/**
 * Syntetos–Boylan–Croston demand classification: ADI (average inter-demand interval, in open
 * days) and CV² of the non-zero demand sizes, with the usual cut-offs 1.32 and 0.49.
 */

import type { DemandClass } from "./types";

export const ADI_CUTOFF = 1.32;
export const CV2_CUTOFF = 0.49;

export interface Classification {
  demandClass: DemandClass;
  adi: number;
  cv2: number;
  sellingDays: number;
}

/** @param open per-day flag: the day counts (observed and the weekday is not closed) */
export function classify(y: ArrayLike<number>, open: (i: number) => boolean): Classification {
  let days = 0;
  let nz = 0;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== v || !open(i)) continue;
    days++;
    if (v > 0) {
      nz++;
      s += v;
      s2 += v * v;
    }
  }
  if (nz === 0) return { demandClass: "none", adi: Infinity, cv2: NaN, sellingDays: 0 };
  const adi = days / nz;
  const mu = s / nz;
  const cv2 = nz > 1 ? Math.max(0, s2 / nz - mu * mu) / (mu * mu) : 0;
  const demandClass: DemandClass =
    adi < ADI_CUTOFF ? (cv2 < CV2_CUTOFF ? "smooth" : "erratic") : cv2 < CV2_CUTOFF ? "intermittent" : "lumpy";
  return { demandClass, adi, cv2, sellingDays: nz };
}
