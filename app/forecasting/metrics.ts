/**
 * Accuracy metrics for holdout evaluation (used by the backtest CLI and the R comparison).
 * All sums skip days whose actual is NaN (censored).
 */

export interface EvalSeries {
  /** Holdout actuals (NaN = censored, not scored). */
  actual: ArrayLike<number>;
  forecast: ArrayLike<number>;
  lo80?: ArrayLike<number>;
  hi80?: ArrayLike<number>;
  lo95?: ArrayLike<number>;
  hi95?: ArrayLike<number>;
  /** In-sample history, for the MASE scale (seasonal naive, period 7). */
  history: ArrayLike<number>;
}

export interface Metrics {
  /** 1 − Σ_series |ΣF − ΣA| / Σ_series ΣA over each series' holdout totals. */
  accTotal: number;
  /** 1 − Σ|F−A| / ΣA over all series-days (1 − WAPE). */
  accDaily: number;
  /** Σ(F−A) / ΣA. */
  bias: number;
  /** Mean over series of MAE / in-sample MAE of the period-7 seasonal naive (series with a zero scale skipped). */
  mase: number;
  coverage80: number;
  coverage95: number;
  series: number;
}

export function maseScale(history: ArrayLike<number>, period = 7): number {
  let s = 0;
  let c = 0;
  for (let i = period; i < history.length; i++) {
    const a = history[i]!;
    const b = history[i - period]!;
    if (a !== a || b !== b) continue;
    s += Math.abs(a - b);
    c++;
  }
  return c > 0 ? s / c : NaN;
}

/**
 * Additive sums of holdout errors: series are added one at a time (`addEvalSeries`), and sums of
 * separate batches add up field by field, so a nightly run can score its batches apart and merge them.
 */
export interface EvalSums {
  /** Series with at least one scored day. */
  series: number;
  totAbs: number;
  dayAbs: number;
  signed: number;
  actual: number;
  maseSum: number;
  maseN: number;
  /** Days scored against bands (series given without bands add none). */
  covN: number;
  c80: number;
  c95: number;
}

export function emptyEvalSums(): EvalSums {
  return { series: 0, totAbs: 0, dayAbs: 0, signed: 0, actual: 0, maseSum: 0, maseN: 0, covN: 0, c80: 0, c95: 0 };
}

/** Adds one series' holdout to `sums`. */
export function addEvalSeries(sums: EvalSums, s: EvalSeries): void {
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
    if (s.lo80 && s.hi80 && s.lo95 && s.hi95) {
      sums.covN++;
      if (a >= s.lo80[t]! - 1e-9 && a <= s.hi80[t]! + 1e-9) sums.c80++;
      if (a >= s.lo95[t]! - 1e-9 && a <= s.hi95[t]! + 1e-9) sums.c95++;
    }
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

export function evaluate(series: readonly EvalSeries[]): Metrics {
  const s = emptyEvalSums();
  for (const one of series) addEvalSeries(s, one);
  return {
    accTotal: s.actual > 0 ? 1 - s.totAbs / s.actual : NaN,
    accDaily: s.actual > 0 ? 1 - s.dayAbs / s.actual : NaN,
    bias: s.actual > 0 ? s.signed / s.actual : NaN,
    mase: s.maseN > 0 ? s.maseSum / s.maseN : NaN,
    coverage80: s.covN > 0 ? s.c80 / s.covN : NaN,
    coverage95: s.covN > 0 ? s.c95 / s.covN : NaN,
    series: series.length,
  };
}
