/**
 * forecastSeries: one series in, one forecast with calibrated bands out. Pure: no I/O, no clock.
 */

import { detectAnomalies } from "./anomalies";
import { classify } from "./classify";
import { coldStartForecast } from "./cold-start";
import { addDays, fromDay } from "./dates";
import { band, calibrate, looCoverage, type Calibration } from "./intervals";
import { runModels } from "./models";
import { impute, prepareSeries, type PreparedSeries } from "./prepare";
import { weekdayProfile } from "./profile";
import { modelInput, selectModel, type Selection } from "./select";
import type { AnomalyFlag, DemandClass, ForecastOptions, ForecastResult, ModelName, SeriesInput, StockStatus } from "./types";

export const DEFAULT_MIN_HISTORY_DAYS = 56;

export function forecastSeries(input: SeriesInput, options: ForecastOptions): ForecastResult {
  if (!Number.isInteger(options.horizon) || options.horizon < 1) throw new RangeError("horizon must be a positive integer");
  const p = prepareSeries(input, options);
  const h = options.horizon;
  const start = fromDay(p.startDay + p.n);
  const dates = Array.from({ length: h }, (_, i) => fromDay(p.startDay + p.n + i));
  const profile = weekdayProfile(p.capped, p.startDow, options.shop?.weekdayProfile);
  const full = impute(p.capped, p.startDow, profile);
  const cls = classify(p.raw, (i) => full.observed[i] === 1);
  const observedDays = full.observed.reduce((a, b) => a + b, 0);
  const holidayFactor = options.shop?.holidayFactor ?? ownHolidayFactor(p, full.filled);
  const holidays = p.futureHolidays.map((x) => ({ date: fromDay(x.day), name: x.name, factor: holidayFactor }));
  const outliers = p.outlierIndexes.map((i) => ({ date: addDays(input.start, i), value: p.raw[i]!, cappedTo: p.capped[i]! }));
  const warnings: string[] = [...p.stock.warnings];
  if (outliers.length > 0) warnings.push(`${outliers.length} spike(s) capped at ${round(p.outlierCap)} units for fitting`);

  const minHistory = options.minHistoryDays ?? DEFAULT_MIN_HISTORY_DAYS;
  if (observedDays < minHistory) {
    const cs = coldStartForecast(input, p, profile, observedDays, options);
    applyHolidays(cs, p, holidayFactor);
    warnings.push(...cs.warnings);
    return {
      id: input.id,
      start,
      dates,
      ...pickBands(cs),
      model: "cold-start",
      components: cs.components,
      demandClass: cls.demandClass,
      coldStart: true,
      backtest: emptyBacktest(),
      outliers,
      censoredDays: p.censoredDays,
      holidays,
      dailyMean: mean(cs.forecast),
      dailySd: cs.dailySd,
      warnings,
      stock: stockStatus(p, cs.forecast),
      anomalies: [],
    };
  }

  if (cls.demandClass === "none") {
    const z = Array<number>(h).fill(0);
    return {
      id: input.id,
      start,
      dates,
      forecast: z,
      lo80: [...z],
      hi80: [...z],
      lo95: [...z],
      hi95: [...z],
      model: "zero",
      components: [],
      demandClass: "none",
      coldStart: false,
      backtest: emptyBacktest(),
      outliers,
      censoredDays: p.censoredDays,
      holidays,
      dailyMean: 0,
      dailySd: 0,
      warnings: [...warnings, `no sales in ${observedDays} observed days: forecast is zero`],
      stock: stockStatus(p, z),
      anomalies: [],
    };
  }

  const sel = selectModel(p, cls, options);
  const inputFull = modelInput(p, p.n, h, options, cls);
  const point = new Float64Array(h);
  for (const f of runModels(inputFull, sel.components)) {
    for (let i = 0; i < h; i++) point[i] = point[i]! + f[i]! / sel.components.length;
  }
  const cal = calibrate(sel.residuals);
  const out = bandsFrom(point, cal, (i) => inputFull.profile[(p.startDow + p.n + i) % 7]! === 0);
  applyHolidays(out, p, holidayFactor);
  const cov = looCoverage(sel.residuals, sel.origins);
  let rs = 0;
  let rs2 = 0;
  for (const r of sel.residuals) {
    const e = r.actual - r.forecast;
    rs += e;
    rs2 += e * e;
  }
  const nr = sel.residuals.length;
  const dailySd = nr > 1 ? Math.sqrt(Math.max(0, (rs2 - (rs * rs) / nr) / (nr - 1))) : 0;
  if (!cal) warnings.push("too little history to calibrate bands from backtests; bands are a wide default");
  return {
    id: input.id,
    start,
    dates,
    ...pickBands(out),
    model: sel.model,
    components: sel.components,
    demandClass: cls.demandClass,
    coldStart: false,
    backtest: {
      origins: sel.origins,
      horizon: sel.evalHorizon,
      mae: sel.scoredDays > 0 ? sel.absError / sel.scoredDays : NaN,
      accTotal: sel.actualSum > 0 ? Math.max(-1, 1 - sel.totalError / sel.actualSum) : NaN,
      coverage80: cov.coverage80,
      coverage95: cov.coverage95,
      scores: sel.scores,
    },
    outliers,
    censoredDays: p.censoredDays,
    holidays,
    dailyMean: mean(out.forecast),
    dailySd,
    warnings,
    stock: stockStatus(p, out.forecast),
    anomalies: recentAnomalies(p, sel, profile, cls.demandClass),
  };
}

/**
 * The flags of the last days (anomalies.ts): against the chosen method's forecast from the most recent origin, with
 * the 95 % band calibrated on the other origins (so neither has seen the days judged). No model is fitted for it.
 */
function recentAnomalies(p: PreparedSeries, sel: Selection, profile: Float64Array, demandClass: DemandClass): AnomalyFlag[] {
  const recent = sel.recent;
  const cal = recent ? calibrate(sel.residuals, 0) : undefined;
  if (!recent || !cal) return [];
  const forecast: number[] = [];
  const lo95: number[] = [];
  const hi95: number[] = [];
  recent.forecast.forEach((f, t) => {
    const b = band(cal, f, t);
    forecast.push(Math.max(0, f));
    lo95.push(b.lo95);
    hi95.push(b.hi95);
  });
  return detectAnomalies({
    start: fromDay(p.startDay),
    actual: p.raw,
    startDow: p.startDow,
    profile,
    origin: recent.origin,
    forecast,
    lo95,
    hi95,
    spikeCap: p.outlierCap,
    outOfStock: p.stock.outOfStock,
    demandClass,
  });
}

/** Days of the forecast whose mean is the level lost per day while out of stock. */
const LOST_DEMAND_DAYS = 28;

/** The public stock state: the analysis from prepareSeries plus the demand lost per day (the forecast's level). */
function stockStatus(p: PreparedSeries, forecast: readonly number[]): StockStatus {
  const a = p.stock;
  let demandPerDay = 0;
  if (a.outOfStock) {
    const first = p.startDay + p.n;
    const k = Math.min(forecast.length, LOST_DEMAND_DAYS);
    const holiday = new Set(p.futureHolidays.map((x) => x.day - first));
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < k; i++) {
      if (holiday.has(i)) continue;
      sum += forecast[i]!;
      cnt++;
    }
    demandPerDay = cnt > 0 ? sum / cnt : mean(forecast.slice(0, k));
  }
  return {
    available: a.available,
    outOfStock: a.outOfStock,
    since: a.outOfStock ? fromDay(p.startDay + a.sinceIndex) : null,
    sinceEstimated: a.sinceEstimated,
    daysOut: a.outOfStock ? p.n - a.sinceIndex : 0,
    runCensoredBy: a.runCensoredBy,
    inferredDays: a.inferredDays,
    demandPerDay,
    test: a.test,
  };
}

export interface Bands {
  forecast: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
}

/** Point forecast → bands; a weekday the series/shop never trades on gets [0, 0]. */
function bandsFrom(point: Float64Array, cal: Calibration | undefined, closed: (i: number) => boolean): Bands {
  const b: Bands = { forecast: [], lo80: [], hi80: [], lo95: [], hi95: [] };
  for (let i = 0; i < point.length; i++) {
    const f = Math.max(0, point[i]!);
    b.forecast.push(f);
    if (closed(i)) {
      b.lo80.push(0);
      b.hi80.push(0);
      b.lo95.push(0);
      b.hi95.push(0);
    } else if (cal) {
      const x = band(cal, f, i);
      b.lo80.push(x.lo80);
      b.hi80.push(x.hi80);
      b.lo95.push(x.lo95);
      b.hi95.push(x.hi95);
    } else {
      b.lo80.push(0);
      b.hi80.push(f * 3);
      b.lo95.push(0);
      b.hi95.push(f * 5);
    }
  }
  return b;
}

function pickBands(b: Bands): Bands {
  return { forecast: b.forecast, lo80: b.lo80, hi80: b.hi80, lo95: b.lo95, hi95: b.hi95 };
}

function applyHolidays(b: Bands, p: PreparedSeries, factor: number): void {
  if (factor === 1) return;
  for (const hd of p.futureHolidays) {
    const i = hd.day - (p.startDay + p.n);
    if (i < 0 || i >= b.forecast.length) continue;
    b.forecast[i] = b.forecast[i]! * factor;
    b.lo80[i] = b.lo80[i]! * factor;
    b.hi80[i] = b.hi80[i]! * factor;
    b.lo95[i] = b.lo95[i]! * factor;
    b.hi95[i] = b.hi95[i]! * factor;
  }
}

/** Holiday effect from the series' own past holidays, shrunk toward 1 (no effect). */
function ownHolidayFactor(p: PreparedSeries, expected: Float64Array): number {
  let a = 0;
  let e = 0;
  let k = 0;
  for (const hd of p.pastHolidays) {
    const i = hd.day - p.startDay;
    const v = p.original[i]!;
    if (v !== v || !(expected[i]! > 0)) continue;
    a += v;
    e += expected[i]!;
    k++;
  }
  if (k === 0 || e <= 0) return 1;
  const avg = e / k;
  return Math.min(3, Math.max(0, (a + 2 * avg) / (e + 2 * avg)));
}

function emptyBacktest(): ForecastResult["backtest"] {
  return { origins: 0, horizon: 0, mae: NaN, accTotal: NaN, coverage80: NaN, coverage95: NaN, scores: {} };
}

function mean(a: readonly number[]): number {
  return a.length > 0 ? a.reduce((x, y) => x + y, 0) / a.length : 0;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export type { ModelName };
