/**
 * A run's backtest accuracy, summed per batch (app/forecasting/metrics.ts addEvalSeries, the backtest's
 * own definitions) and merged at publish: each batch stores its own sums and a retried batch replaces
 * (never adds to) them.
 */
import { emptyEvalSums, type EvalSums } from "../forecasting";

export interface RunAccuracy {
  accTotal: number | null;
  mase: number | null;
  wape: number | null;
  bias: number | null;
  coverage80: number | null;
  coverage95: number | null;
  series: number;
}

export function mergeSums(parts: readonly EvalSums[]): EvalSums {
  const out = emptyEvalSums();
  for (const p of parts) for (const k of Object.keys(out) as (keyof EvalSums)[]) out[k] += p[k] ?? 0;
  return out;
}

export function summarize(s: EvalSums): RunAccuracy {
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
