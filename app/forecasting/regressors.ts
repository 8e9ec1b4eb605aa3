/**
 * Daily external regressors (temperature, an economic index), used only where they measurably help (issue 17,
 * decision 0056). Pure: arrays in, forecasts out.
 *
 * The models already follow the season, so what a regressor can add is its surprise: its deviation from its own
 * centred 29-day mean (a warm week in May, not May). For the series' latest six 28-day windows, the forecast made
 * before each window is compared with what sold: log((actual + ½) / (forecast + ½)) against the deviation gives a slope β
 * (least squares through the origin, shrunk toward 0). The regressor is used when β, fitted leaving each window out in
 * turn, lowers the absolute error on that window by at least 2 % over the six windows, and the per-day reductions are
 * clearly above noise (their mean at least twice its standard error); the forecast's days with a
 * known deviation are then multiplied by exp(β × deviation). Each window sees the regressor only as it was known at its
 * origin (`knownAt`: a weather forecast's days ahead, a monthly index's last value carried), so the backtest is not
 * flattered by values a real forecast would not have had. Days whose regressor is unknown get no adjustment.
 */

import { forecastSeries } from "./forecast";
import { historyUntil } from "./history";
import type { ForecastOptions, ForecastResult, RegressorInput, SeriesInput, SignalDecision } from "./types";

export const REGRESSOR_WINDOWS = 6;
export const REGRESSOR_EVAL_DAYS = 28;
export const REGRESSOR_MIN_GAIN = 0.02;
/** The per-day error reductions must also be clearly above noise: mean / standard error at least this. */
export const REGRESSOR_MIN_T = 2;
/** Half-width of the centred mean the deviation is taken from. */
const NORMAL_HALF_WINDOW = 14;
/** Pseudo-observations of β = 0 in the shrinkage. */
const SHRINK_PAIRS = 30;
/** Largest multiplier a regressor may apply to one day (either way). */
const MAX_FACTOR = 3;

/** The regressor's deviation from its centred 29-day mean of known values; NaN where the value is unknown. */
export function deviations(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const sum = new Float64Array(n + 1);
  const count = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    const ok = Number.isFinite(v);
    sum[i + 1] = sum[i]! + (ok ? v : 0);
    count[i + 1] = count[i]! + (ok ? 1 : 0);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(values[i]);
    const lo = Math.max(0, i - NORMAL_HALF_WINDOW);
    const hi = Math.min(n, i + NORMAL_HALF_WINDOW + 1);
    const c = count[hi]! - count[lo]!;
    out[i] = Number.isFinite(v) && c >= 7 ? v - (sum[hi]! - sum[lo]!) / c : NaN;
  }
  return out;
}

interface Pair {
  x: number;
  r: number;
  forecast: number;
  actual: number;
}

function slope(pairs: readonly Pair[]): number {
  let xr = 0;
  let xx = 0;
  for (const p of pairs) {
    xr += p.x * p.r;
    xx += p.x * p.x;
  }
  return xx > 0 ? (xr / xx) * (pairs.length / (pairs.length + SHRINK_PAIRS)) : 0;
}

function factor(beta: number, x: number): number {
  return Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, Math.exp(beta * x)));
}

/**
 * Applies each of the series' regressors to `result` (the forecast without them) where its backtest gains; returns the
 * adjusted result with one decision per regressor appended to `signals`.
 */
export function applyRegressors(input: SeriesInput, options: ForecastOptions, result: ForecastResult): ForecastResult {
  const regressors = input.regressors ?? [];
  if (regressors.length === 0) return result;
  const n = input.values.length;
  const minHistory = options.minHistoryDays ?? 56;
  // The base forecasts of the last windows are shared by every regressor.
  const windows: { origin: number; forecast: number[] }[] = [];
  for (let k = REGRESSOR_WINDOWS; k >= 1; k--) {
    const origin = n - k * REGRESSOR_EVAL_DAYS;
    if (origin < minHistory) continue;
    windows.push({ origin, forecast: forecastSeries(historyUntil(input, origin), { ...options, horizon: REGRESSOR_EVAL_DAYS }).forecast });
  }
  let out = result;
  const decisions: SignalDecision[] = [];
  for (const regressor of regressors) {
    const { decision, adjusted } = oneRegressor(input, regressor, windows, out);
    decisions.push(decision);
    out = adjusted;
  }
  return { ...out, signals: [...(result.signals ?? []), ...decisions] };
}

/** The regressor as known at `origin`: values through `origin + knownAhead − 1`, then unknown or the last one carried. */
export function knownAt(regressor: RegressorInput, origin: number): Float64Array {
  const values = Float64Array.from({ length: regressor.values.length }, (_, i) => Number(regressor.values[i]));
  const edge = origin + Math.max(0, regressor.knownAhead);
  let last = NaN;
  for (let i = 0; i < values.length; i++) {
    if (i < edge) {
      if (Number.isFinite(values[i]!)) last = values[i]!;
    } else values[i] = regressor.beyond === "carry" ? last : NaN;
  }
  return values;
}

function oneRegressor(
  input: SeriesInput,
  regressor: RegressorInput,
  windows: readonly { origin: number; forecast: number[] }[],
  result: ForecastResult,
): { decision: SignalDecision; adjusted: ForecastResult } {
  const n = input.values.length;
  const dev = deviations(knownAt(regressor, n));
  const pairsOf = windows.map(({ origin, forecast }) => {
    const devAt = deviations(knownAt(regressor, origin));
    const pairs: Pair[] = [];
    for (let i = 0; i < forecast.length; i++) {
      const t = origin + i;
      const actual = Number(input.values[t]);
      const stock = input.inStock?.[t];
      if (!Number.isFinite(actual) || ((stock === 0 || stock === false) && !(actual > 0))) continue;
      const x = devAt[t]!;
      if (!Number.isFinite(x)) continue;
      const f = forecast[i]!;
      pairs.push({ x, r: Math.log((actual + 0.5) / (f + 0.5)), forecast: f, actual });
    }
    return pairs;
  });
  let withError = 0;
  let withoutError = 0;
  let scored = 0;
  // Per-day reductions of the absolute error, for the noise test.
  let sumD = 0;
  let sumD2 = 0;
  pairsOf.forEach((pairs, k) => {
    const beta = slope(pairsOf.filter((_, j) => j !== k).flat());
    for (const p of pairs) {
      const without = Math.abs(p.forecast - p.actual);
      const withSignal = Math.abs(p.forecast * factor(beta, p.x) - p.actual);
      withoutError += without;
      withError += withSignal;
      sumD += without - withSignal;
      sumD2 += (without - withSignal) ** 2;
      scored++;
    }
  });
  const meanD = scored > 0 ? sumD / scored : 0;
  const sdD = scored > 1 ? Math.sqrt(Math.max(0, (sumD2 - scored * meanD * meanD) / (scored - 1))) : 0;
  const clear = sdD > 0 && meanD / (sdD / Math.sqrt(scored)) >= REGRESSOR_MIN_T;
  const beta = slope(pairsOf.flat());
  const futureDays = result.forecast.reduce((c, _, i) => c + (Number.isFinite(dev[n + i] ?? NaN) ? 1 : 0), 0);
  const base: Omit<SignalDecision, "used" | "reason"> = {
    signal: regressor.name,
    effect: scored > 0 ? Math.exp(beta) : null,
    maeWith: scored > 0 ? withError / scored : null,
    maeWithout: scored > 0 ? withoutError / scored : null,
    windows: pairsOf.filter((p) => p.length > 0).length,
    pastDays: scored,
    futureDays,
  };
  if (pairsOf.filter((p) => p.length > 0).length < 2)
    return { decision: { ...base, used: false, reason: scored > 0 ? "too_few_windows" : "no_history" }, adjusted: result };
  if (!(withError <= withoutError * (1 - REGRESSOR_MIN_GAIN)) || !clear || beta === 0)
    return { decision: { ...base, used: false, reason: "no_gain" }, adjusted: result };
  const scale = (a: number[]): number[] =>
    a.map((v, i) => {
      const x = dev[n + i] ?? NaN;
      return Number.isFinite(x) ? v * factor(beta, x) : v;
    });
  const forecast = scale(result.forecast);
  return {
    decision: { ...base, used: true, reason: "gain" },
    adjusted: {
      ...result,
      forecast,
      lo80: scale(result.lo80),
      hi80: scale(result.hi80),
      lo95: scale(result.lo95),
      hi95: scale(result.hi95),
      dailyMean: forecast.length > 0 ? forecast.reduce((a, b) => a + b, 0) / forecast.length : 0,
    },
  };
}
