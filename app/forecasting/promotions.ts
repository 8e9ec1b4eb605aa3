/**
 * Promotions as a regressor, used only where it measurably helps (issue 17, decision 0056). Pure: arrays in,
 * forecasts out.
 *
 * A promotion multiplies demand on its days by an uplift u. With the signal, the series' past promotion days are
 * divided by u before the models see them (the spikes are explained, not capped as outliers), and the forecast's
 * future promotion days are multiplied by u. Whether a series gets the signal is decided by its own rolling-origin
 * backtest: forecasts made 7 days before each of its latest promotions (u measured only from the days before the
 * origin), with and without the signal, scored on the next 28 days. The signal is used when it lowers the absolute
 * error by at least 2 %; otherwise the series is forecast exactly as without promotions.
 *
 * A series with no promotion in its history cannot measure u. When a promotion is planned for it, the caller may
 * pass a prior (the uplift measured on its product type or shop, or the merchant's own expectation): it is applied to
 * the future promotion days only, and the decision says where it came from.
 */

import { forecastSeries } from "./forecast";
import { historyUntil } from "./history";
import { weekdayProfile } from "./profile";
import { toDay, weekday } from "./dates";
import type { ForecastOptions, ForecastResult, PromotionInput, SeriesInput, SignalDecision } from "./types";

/** Days before a promotion where a backtest origin sits, and days each backtest scores. */
export const PROMO_ORIGIN_LEAD = 7;
export const PROMO_EVAL_DAYS = 28;
/** Latest promotions backtested per series (each costs two fits). */
export const PROMO_MAX_WINDOWS = 3;
/** Share by which the signal must lower the backtest's absolute error to be used. */
export const PROMO_MIN_GAIN = 0.02;
/** Days on each side of a promotion day whose non-promotion sales set its baseline. */
const BASELINE_HALF_WINDOW = 28;
/** Pseudo-days of "no effect" in the uplift estimate (shrinks the few-day estimates toward 1). */
const SHRINK_DAYS = 3;
const MIN_UPLIFT = 0.25;
const MAX_UPLIFT = 6;

export interface UpliftEstimate {
  /** Multiplicative effect on demand on promotion days (1.38 = +38 %). */
  uplift: number;
  /** Observed promotion days it was measured on. */
  days: number;
}

interface Runs {
  /** Inclusive first and last index of each run of promotion days inside the history. */
  runs: { from: number; to: number }[];
  flags: Uint8Array;
}

function promotionRuns(promo: PromotionInput, total: number, n: number): Runs {
  const flags = new Uint8Array(total);
  for (let i = 0; i < total; i++) flags[i] = Number(promo.days[i] ?? 0) > 0 ? 1 : 0;
  const runs: { from: number; to: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (flags[i] !== 1) continue;
    const from = i;
    while (i + 1 < n && flags[i + 1] === 1) i++;
    runs.push({ from, to: i });
  }
  return { runs, flags };
}

/** Demand per day as the estimate reads it: NaN where unknown or out of stock without a sale. */
function observedDemand(input: SeriesInput, to: number): Float64Array {
  const y = new Float64Array(to);
  for (let i = 0; i < to; i++) {
    const v = Number(input.values[i]);
    const stock = input.inStock?.[i];
    y[i] = v !== v || ((stock === 0 || stock === false) && !(v > 0)) ? NaN : v;
  }
  return y;
}

/**
 * The uplift on the promotion days before `to`: Σ sales on promotion days / Σ their baselines, where a day's
 * baseline is the weekday-adjusted mean of the non-promotion days within four weeks of it; shrunk toward 1 by a few
 * pseudo-days. Undefined when no promotion day before `to` has a baseline.
 */
export function estimateUplift(
  input: SeriesInput,
  flags: Uint8Array,
  to: number,
  options: Pick<ForecastOptions, "shop">,
): UpliftEstimate | undefined {
  const y = observedDemand(input, to);
  const plain = Float64Array.from(y, (v, i) => (flags[i] === 1 ? NaN : v));
  const startDow = weekday(toDay(input.start));
  const profile = weekdayProfile(plain, startDow, options.shop?.weekdayProfile);
  // Prefix sums of the non-promotion days: sales and their weekday weights.
  const sales = new Float64Array(to + 1);
  const weight = new Float64Array(to + 1);
  for (let i = 0; i < to; i++) {
    const v = plain[i]!;
    const w = profile[(startDow + i) % 7]!;
    const ok = v === v && w > 0;
    sales[i + 1] = sales[i]! + (ok ? v : 0);
    weight[i + 1] = weight[i]! + (ok ? w : 0);
  }
  let actual = 0;
  let expected = 0;
  let days = 0;
  for (let i = 0; i < to; i++) {
    if (flags[i] !== 1) continue;
    const v = y[i]!;
    const w = profile[(startDow + i) % 7]!;
    if (v !== v || !(w > 0)) continue;
    const lo = Math.max(0, i - BASELINE_HALF_WINDOW);
    const hi = Math.min(to, i + BASELINE_HALF_WINDOW + 1);
    const wsum = weight[hi]! - weight[lo]!;
    if (!(wsum > 0)) continue;
    actual += v;
    expected += (w * (sales[hi]! - sales[lo]!)) / wsum;
    days++;
  }
  if (days === 0 || !(expected > 0)) return undefined;
  const perDay = expected / days;
  const uplift = (actual + SHRINK_DAYS * perDay) / (expected + SHRINK_DAYS * perDay);
  return { uplift: Math.min(MAX_UPLIFT, Math.max(MIN_UPLIFT, uplift)), days };
}

/**
 * Forecast from the first `to` days with the promotion signal: past promotion days divided by `uplift`, the next
 * `horizon` days' promotion days multiplied by it (point and bands).
 */
export function forecastWithUplift(
  input: SeriesInput,
  options: ForecastOptions,
  flags: Uint8Array,
  to: number,
  horizon: number,
  uplift: number,
): ForecastResult {
  const values = new Float64Array(to);
  for (let i = 0; i < to; i++) {
    const v = Number(input.values[i]);
    values[i] = flags[i] === 1 && v === v ? v / uplift : v;
  }
  return liftFuture(forecastSeries(historyUntil(input, to, values), { ...options, horizon }), flags, to, uplift);
}

/** Multiplies the forecast days that fall on promotion days by `uplift` (a new result; the input is not changed). */
export function liftFuture(result: ForecastResult, flags: ArrayLike<number>, firstFutureIndex: number, uplift: number): ForecastResult {
  const scale = (a: number[]): number[] => a.map((v, i) => (Number(flags[firstFutureIndex + i] ?? 0) > 0 ? v * uplift : v));
  const forecast = scale(result.forecast);
  return {
    ...result,
    forecast,
    lo80: scale(result.lo80),
    hi80: scale(result.hi80),
    lo95: scale(result.lo95),
    hi95: scale(result.hi95),
    dailyMean: forecast.length > 0 ? forecast.reduce((a, b) => a + b, 0) / forecast.length : 0,
  };
}

function withoutSignals(input: SeriesInput): SeriesInput {
  const copy = { ...input };
  delete copy.promotions;
  return copy;
}

function absError(forecast: readonly number[], input: SeriesInput, from: number): { error: number; days: number } {
  const y = observedDemand(input, Math.min(input.values.length, from + forecast.length));
  let error = 0;
  let days = 0;
  for (let i = 0; i < forecast.length && from + i < y.length; i++) {
    const a = y[from + i]!;
    if (a !== a) continue;
    error += Math.abs(forecast[i]! - a);
    days++;
  }
  return { error, days };
}

/**
 * The series' forecast with its promotions, if its own backtest says they help (see the file's comment); the
 * result's `signals` holds the decision either way. Without `input.promotions`, exactly `forecastSeries`.
 */
export function forecastWithPromotions(input: SeriesInput, options: ForecastOptions): ForecastResult {
  const promo = input.promotions;
  if (!promo) return forecastSeries(input, options);
  const n = input.values.length;
  const h = options.horizon;
  const { runs, flags } = promotionRuns(promo, n + h, n);
  const plain = withoutSignals(input);
  const futureDays = flags.subarray(n, n + h).reduce((a, b) => a + b, 0);
  const minHistory = options.minHistoryDays ?? 56;

  // Backtest: origins a week before the latest promotions that have enough history before them.
  let withError = 0;
  let withoutError = 0;
  let windows = 0;
  const evaluable = runs.filter((r) => r.from - PROMO_ORIGIN_LEAD >= minHistory && r.from - PROMO_ORIGIN_LEAD + PROMO_EVAL_DAYS <= n);
  for (const run of evaluable.slice(-PROMO_MAX_WINDOWS)) {
    const origin = run.from - PROMO_ORIGIN_LEAD;
    const measured = estimateUplift(input, flags, origin, options)?.uplift ?? promo.prior?.uplift;
    if (measured === undefined) continue;
    const without = forecastSeries(historyUntil(input, origin), { ...options, horizon: PROMO_EVAL_DAYS });
    const withSignal = forecastWithUplift(input, options, flags, origin, PROMO_EVAL_DAYS, measured);
    const a = absError(without.forecast, input, origin);
    const b = absError(withSignal.forecast, input, origin);
    if (a.days === 0) continue;
    withoutError += a.error;
    withError += b.error;
    windows++;
  }
  const own = runs.length > 0 ? estimateUplift(input, flags, n, options) : undefined;
  const decision = (used: boolean, reason: SignalDecision["reason"], effect: number | null): SignalDecision => ({
    signal: "promotion",
    used,
    reason,
    effect,
    maeWith: windows > 0 ? withError / (windows * PROMO_EVAL_DAYS) : null,
    maeWithout: windows > 0 ? withoutError / (windows * PROMO_EVAL_DAYS) : null,
    windows,
    pastDays: runs.reduce((a, r) => a + r.to - r.from + 1, 0),
    futureDays,
    ...(promo.prior ? { priorSource: promo.prior.source } : {}),
  });

  if (windows > 0 && own && withError <= withoutError * (1 - PROMO_MIN_GAIN)) {
    const result = forecastWithUplift(input, options, flags, n, h, own.uplift);
    return { ...result, signals: [decision(true, "gain", own.uplift)] };
  }
  const base = forecastSeries(plain, options);
  if (windows > 0) return { ...base, signals: [decision(false, "no_gain", own?.uplift ?? null)] };
  // Nothing to backtest on: a planned promotion may still be lifted by a prior measured elsewhere (or the merchant's).
  if (futureDays > 0 && promo.prior && runs.length === 0)
    return { ...liftFuture(base, flags, n, promo.prior.uplift), signals: [decision(true, "prior", promo.prior.uplift)] };
  return { ...base, signals: [decision(false, runs.length === 0 ? "no_history" : "too_few_windows", own?.uplift ?? null)] };
}
