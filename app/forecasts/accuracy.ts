/**
 * A run's backtest accuracy, summed per batch and merged at publish: additive sums, so each batch stores
 * its own and a retried batch replaces (never adds to) them. Same definitions as app/forecasting/metrics.ts
 * (acc_total on the holdout totals, WAPE, bias, MASE vs the period-7 seasonal naive, band coverage).
 */
import { maseScale } from "../forecasting/metrics";

export interface AccuracySums {
  series: number;
  totAbs: number;
  dayAbs: number;
  signed: number;
  actual: number;
  maseSum: number;
  maseN: number;
  covN: number;
  c80: number;
  c95: number;
}

export interface RunAccuracy {
  accTotal: number | null;
  mase: number | null;
  wape: number | null;
  bias: number | null;
  coverage80: number | null;
  coverage95: number | null;
  series: number;
}

export function emptySums(): AccuracySums {
  return { series: 0, totAbs: 0, dayAbs: 0, signed: 0, actual: 0, maseSum: 0, maseN: 0, covN: 0, c80: 0, c95: 0 };
}

export interface HoldoutSeries {
  actual: ArrayLike<number>;
  forecast: ArrayLike<number>;
  lo80: ArrayLike<number>;
  hi80: ArrayLike<number>;
  lo95: ArrayLike<number>;
  hi95: ArrayLike<number>;
  history: ArrayLike<number>;
}

/** Adds one series' holdout (actual NaN = censored, not scored) to `sums`. */
export function addHoldout(sums: AccuracySums, s: HoldoutSeries): void {
  let fs = 0;
  let as = 0;
  let ae = 0;
  let n = 0;
  for (let t = 0; t < s.actual.length; t++) {
    const a = s.actual[t]!;
    if (a !== a) continue;
    const f = s.forecast[t]!;
    fs += f;
    as += a;
    ae += Math.abs(f - a);
    n++;
    sums.covN++;
    if (a >= s.lo80[t]! - 1e-9 && a <= s.hi80[t]! + 1e-9) sums.c80++;
    if (a >= s.lo95[t]! - 1e-9 && a <= s.hi95[t]! + 1e-9) sums.c95++;
  }
  if (n === 0) return;
  sums.series++;
  sums.totAbs += Math.abs(fs - as);
  sums.dayAbs += ae;
  sums.signed += fs - as;
  sums.actual += as;
  const scale = maseScale(s.history);
  if (scale > 0) {
    sums.maseSum += ae / n / scale;
    sums.maseN++;
  }
}

export function mergeSums(parts: readonly AccuracySums[]): AccuracySums {
  const out = emptySums();
  for (const p of parts) for (const k of Object.keys(out) as (keyof AccuracySums)[]) out[k] += p[k] ?? 0;
  return out;
}

export function summarize(s: AccuracySums): RunAccuracy {
  const ratio = (x: number, y: number) => (y > 0 ? x / y : null);
  const wape = ratio(s.dayAbs, s.actual);
  const tot = ratio(s.totAbs, s.actual);
  return {
    accTotal: tot === null ? null : Math.max(-1, 1 - tot),
    mase: ratio(s.maseSum, s.maseN),
    wape,
    bias: ratio(s.signed, s.actual),
    coverage80: ratio(s.c80, s.covN),
    coverage95: ratio(s.c95, s.covN),
    series: s.series,
  };
}
