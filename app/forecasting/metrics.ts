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

export function evaluate(series: readonly EvalSeries[]): Metrics {
  let totAbs = 0;
  let dayAbs = 0;
  let signed = 0;
  let act = 0;
  let maseSum = 0;
  let maseN = 0;
  let covN = 0;
  let c80 = 0;
  let c95 = 0;
  let hasBands = false;
  for (const s of series) {
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
        hasBands = true;
        covN++;
        if (a >= s.lo80[t]! - 1e-9 && a <= s.hi80[t]! + 1e-9) c80++;
        if (a >= s.lo95[t]! - 1e-9 && a <= s.hi95[t]! + 1e-9) c95++;
      }
    }
    totAbs += Math.abs(fs - as);
    dayAbs += ae;
    signed += fs - as;
    act += as;
    const scale = maseScale(s.history);
    if (n > 0 && scale > 0) {
      maseSum += ae / n / scale;
      maseN++;
    }
  }
  return {
    accTotal: act > 0 ? 1 - totAbs / act : NaN,
    accDaily: act > 0 ? 1 - dayAbs / act : NaN,
    bias: act > 0 ? signed / act : NaN,
    mase: maseN > 0 ? maseSum / maseN : NaN,
    coverage80: hasBands && covN > 0 ? c80 / covN : NaN,
    coverage95: hasBands && covN > 0 ? c95 / covN : NaN,
    series: series.length,
  };
}
