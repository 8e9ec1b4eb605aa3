/**
 * Turns a SeriesInput into the arrays the models work on:
 * - censoring: out-of-stock days, unknown values, shop-closed days and public holidays become
 *   "unknown" (NaN) instead of zero demand, so they neither drag the level down nor count as
 *   forecast errors; models see them imputed from the recent weekday-adjusted level;
 * - stock state (stockout.ts): with `available ≤ 0`, an improbable trailing run of days without
 *   sales and without known stock is censored too (censoring by inference, decision 0013);
 * - spikes are capped (outliers.ts) and reported.
 */

import { isIsoDate, toDay, weekday } from "./dates";
import { holidaysBetween, type HolidayDay } from "./holidays";
import { capSpikes } from "./outliers";
import { analyseStock, STOCKOUT_TEST_LEVEL, type StockAnalysis } from "./stockout";
import type { ForecastOptions, SeriesInput } from "./types";

export interface PreparedSeries {
  id: string;
  startDay: number;
  startDow: number;
  n: number;
  /** Input as given (NaN for unknown), used for holiday effects. */
  original: Float64Array;
  /** Demand as the actuals for interval calibration: NaN where censored. */
  raw: Float64Array;
  /** Same with spikes capped: what the models are fitted on and selection is scored against. */
  capped: Float64Array;
  outlierIndexes: number[];
  outlierCap: number;
  censoredDays: number;
  /** Holidays inside the history (excluded from fitting) and in the forecast window. */
  pastHolidays: HolidayDay[];
  futureHolidays: HolidayDay[];
  /** Stock state at the end; a trailing run censored by inference is already NaN in raw/capped. */
  stock: StockAnalysis;
}

export class InputError extends Error {
  override name = "InputError";
}

export function prepareSeries(s: SeriesInput, options: ForecastOptions): PreparedSeries {
  const startDay = toDay(s.start);
  const n = s.values.length;
  const original = new Float64Array(n);
  const raw = new Float64Array(n);
  let censored = 0;
  for (let i = 0; i < n; i++) {
    const v = Number(s.values[i]);
    if (v === v && (v < 0 || !Number.isFinite(v)))
      throw new InputError(`series ${s.id}: value ${v} on day ${i} is not a finite number ≥ 0`);
    original[i] = v;
    const stock = s.inStock?.[i];
    const out = stock === 0 || stock === false;
    // A sale on an "out of stock" day proves stock: only zero (or unknown) days are censored.
    if (v !== v || (out && !(v > 0))) {
      raw[i] = NaN;
      censored++;
    } else raw[i] = v;
  }
  if (options.shop && options.shop.closedDates.length > 0) {
    for (const d of options.shop.closedDates) {
      const i = toDay(d) - startDay;
      if (i >= 0 && i < n && raw[i] === raw[i]) {
        raw[i] = NaN;
        censored++;
      }
    }
  }
  let pastHolidays: HolidayDay[] = [];
  let futureHolidays: HolidayDay[] = [];
  if (options.country) {
    const all = holidaysBetween(options.country, startDay, startDay + n - 1 + options.horizon, options.region);
    pastHolidays = all.filter((h) => h.day < startDay + n);
    futureHolidays = all.filter((h) => h.day >= startDay + n);
    for (const h of pastHolidays) {
      const i = h.day - startDay;
      if (raw[i] === raw[i]) {
        raw[i] = NaN;
        censored++;
      }
    }
  }
  const stock = prepareStock(s, raw, startDay, options);
  censored += stock.inferredDays;
  const spikes = capSpikes(raw);
  return {
    id: s.id,
    startDay,
    startDow: weekday(startDay),
    n,
    original,
    raw,
    capped: spikes.cleaned,
    outlierIndexes: spikes.indexes,
    outlierCap: spikes.cap,
    censoredDays: censored,
    pastHolidays,
    futureHolidays,
    stock,
  };
}

/** Validates the stock inputs and runs the stockout analysis (stockout.ts) on `raw`. */
function prepareStock(s: SeriesInput, raw: Float64Array, startDay: number, options: ForecastOptions): StockAnalysis {
  if (s.available !== undefined && s.available !== null && !Number.isFinite(s.available))
    throw new InputError(`series ${s.id}: available must be a finite number or null, got ${s.available}`);
  if (s.stockKnownFrom !== undefined && s.stockKnownFrom !== null && !isIsoDate(s.stockKnownFrom))
    throw new InputError(`series ${s.id}: stockKnownFrom "${s.stockKnownFrom}" is not a YYYY-MM-DD date`);
  const level = options.stockoutLevel ?? STOCKOUT_TEST_LEVEL;
  if (!(level > 0 && level < 1)) throw new RangeError(`stockoutLevel must be in (0, 1), got ${level}`);
  const knownFrom =
    s.stockKnownFrom === undefined
      ? s.inStock
        ? 0
        : raw.length
      : s.stockKnownFrom === null
        ? raw.length
        : toDay(s.stockKnownFrom) - startDay;
  return analyseStock(s, raw, knownFrom, weekday(startDay), options.shop?.weekdayProfile, level);
}

/**
 * Fill unknown days with the weekday factor × the trailing 28-day mean of weekday-adjusted
 * observed values (falling back to the series mean). Uses only past days, so no look-ahead.
 * Returns the filled copy and a mask of observed open days.
 */
export function impute(y: Float64Array, startDow: number, profile: Float64Array): { filled: Float64Array; observed: Uint8Array } {
  const n = y.length;
  const filled = new Float64Array(n);
  const observed = new Uint8Array(n);
  let gs = 0;
  let gc = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    const p = profile[(startDow + i) % 7]!;
    if (v === v && p > 0) {
      gs += v / p;
      gc++;
    }
  }
  const globalLevel = gc > 0 ? gs / gc : 0;
  // Ring of the last 28 days' adjusted values (NaN when unknown / closed).
  const W = 28;
  const ring = new Float64Array(W).fill(NaN);
  let rs = 0;
  let rc = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    const p = profile[(startDow + i) % 7]!;
    if (v === v) {
      filled[i] = v;
      if (p > 0) observed[i] = 1;
    } else {
      filled[i] = p * (rc >= 4 ? rs / rc : globalLevel);
    }
    const slot = i % W;
    const old = ring[slot]!;
    if (old === old) {
      rs -= old;
      rc--;
    }
    const adj = v === v && p > 0 ? v / p : NaN;
    ring[slot] = adj;
    if (adj === adj) {
      rs += adj;
      rc++;
    }
  }
  return { filled, observed };
}
