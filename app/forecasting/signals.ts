/**
 * One series' forecast with its signals (promotions.ts, regressors.ts), and many series of one shop. Each signal
 * enters a series' forecast only where the series' own backtest shows a gain; a series without signals gets exactly
 * `forecastSeries`. Plain data in and out, so a caller can split the array over worker threads (worker-pool.server.ts).
 */

import { forecastWithPromotions } from "./promotions";
import { applyRegressors } from "./regressors";
import { buildShopContext } from "./shop";
import type { ForecastOptions, ForecastResult, SeriesInput } from "./types";

export function forecastWithSignals(input: SeriesInput, options: ForecastOptions): ForecastResult {
  return applyRegressors(input, options, forecastWithPromotions(input, options));
}

/** Measures the shop context (weekday pattern, closures, holiday effect) across the series once, then forecasts each. */
export function forecastMany(inputs: readonly SeriesInput[], options: ForecastOptions): ForecastResult[] {
  const shop = options.shop ?? buildShopContext(inputs, options);
  const opts: ForecastOptions = { ...options, shop };
  return inputs.map((s) => forecastWithSignals(s, opts));
}
