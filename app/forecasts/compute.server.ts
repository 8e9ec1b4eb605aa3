/**
 * Forecast + advice for a set of variants of one shop, as of one day: loads their demand series (summed
 * over the counted locations, censored on out-of-stock days), cold-start parents, stock per location and
 * lead times; forecasts them (in worker threads when there are many); scores a 28-day holdout for the
 * run's accuracy; and derives the advice rows. Used by the nightly run's batches and by the on-demand
 * recompute of one variant. Writes nothing.
 */
import os from "node:os";
import { loadAugurs } from "../forecasting/augurs.server";
import {
  addDays,
  toDay,
  forecastWithSignals,
  xyzClass,
  type AnomalyFlag,
  type AugursEngine,
  type ForecastOptions,
  type ForecastResult,
  type ModelName,
  type ParentPattern,
  type SeriesInput,
  type ShopContext,
  buildShopContext,
  addEvalSeries,
  emptyEvalSums,
  type EvalSums,
} from "../forecasting";
import { forecastManyInWorkers } from "../forecasting/worker-pool.server";
import { demandLevel, leadTimeFor, locationShares, outOfStock, policy, projection, stockoutStart, type LeadTimes } from "./advice";
import type { Risk } from "./contract";
import type { Queryable } from "../db/pool.server";
import { loadPromotionInputs, type SignalUseRow } from "./promotions.server";
import { loadRegressorInputs, type SignalStatuses } from "./regressors.server";
import { demandLocationFilter, type CountedLocations, type StoredSettings } from "./store.server";

export const HORIZON = 90;
export const HISTORY_DAYS = 730;
export const HOLDOUT_DAYS = 28;
export const SNAPSHOT_DAYS = 28;
const MIN_HISTORY_DAYS = 56;
const CONTEXT_SAMPLE = 300;

export interface ForecastRow {
  variantId: string;
  start: string;
  forecast: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
  model: string;
  demandClass: string;
  coldStart: boolean;
  dailyMean: number;
  dailySd: number;
  backtestAccTotal: number | null;
  backtestMae: number | null;
  coverage80: number | null;
  coverage95: number | null;
  candidateScores: Record<string, number>;
  outliers: { date: string; value: number; cappedTo: number }[];
  anomalies: AnomalyFlag[];
}

export interface AdviceRow {
  variantId: string;
  locationId: string;
  productId: string;
  productTitle: string;
  variantTitle: string;
  sku: string | null;
  vendor: string;
  productType: string;
  price: number;
  available: number;
  dailyMean: number;
  leadTimeDays: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpTo: number;
  eoq: number;
  reorderQty: number;
  daysOfCover: number | null;
  stockoutDate: string | null;
  risk: Risk;
  abcClass: string;
  xyzClass: string;
  lastSaleDay: string | null;
  stockValue: number;
  outOfStockSince: string | null;
  sinceEstimated: boolean;
  lostUnitsPerDay: number;
  lostUnitsToDate: number;
  lostRevenuePerDay: number;
  lostRevenueToDate: number;
}

export interface ComputeResult {
  forecasts: ForecastRow[];
  advice: AdviceRow[];
  sums: EvalSums;
  modelMix: Record<string, number>;
  errors: number;
  /** Per variant, the signals considered for its forecast (SignalUse rows). */
  signals: SignalUseRow[];
  /** The outside signals of the shop's enabled sources: had or left out, and why. */
  sources: SignalStatuses;
}

export interface ComputeInput {
  shopId: string;
  asOf: string;
  country: string | null;
  variantIds: readonly string[];
  context: ShopContext;
  settings: StoredSettings;
  leadTimes: LeadTimes;
  locations: CountedLocations;
  /** ABC classes to keep (single-variant recompute); the run's publish step classifies the whole shop. */
  abc?: ReadonlyMap<string, string>;
  /** Restricts the candidate models (the variant page's candidate overlay, one model at a time); runs leave it unset. */
  candidates?: ModelName[];
  log?: (line: string) => void;
}

interface Meta {
  id: string;
  productId: string;
  title: string;
  sku: string | null;
  price: number;
  productTitle: string;
  vendor: string;
  productType: string;
  createdDay: string;
}

/** Daily values as stored (real[]): 4 decimals, which also keeps denormals out of float4's range. */
function stored(values: readonly number[]): number[] {
  return values.map((x) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0));
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The shop context (weekday pattern, closures, holiday effect) from the shop's best-selling variants. */
export async function measureShopContext(
  db: Queryable,
  shopId: string,
  asOf: string,
  country: string | null,
  locations: CountedLocations,
): Promise<ShopContext> {
  const from = addDays(asOf, -(HISTORY_DAYS - 1));
  const { rows } = await db.query<{ v: string; i: number; u: number; s: boolean | null }>(
    `WITH top AS (
       SELECT "variantId" FROM "DailyDemand"
        WHERE "shopId" = $1 AND day BETWEEN $2::date AND $3::date AND ${demandLocationFilter("$4")}
        GROUP BY 1 ORDER BY sum(units) DESC LIMIT ${CONTEXT_SAMPLE})
     SELECT d."variantId"::text AS v, (d.day - $2::date) AS i, sum(d.units)::int AS u, bool_or(d."inStock") AS s
       FROM "DailyDemand" d JOIN top USING ("variantId")
      WHERE d."shopId" = $1 AND d.day BETWEEN $2::date AND $3::date AND ${demandLocationFilter("$4", "d")}
      GROUP BY 1, 2`,
    [shopId, from, asOf, locations.demand],
  );
  const series = denseSeries(rows, from, asOf, new Map());
  return buildShopContext(
    [...series.values()].map((s) => s.input),
    { country: country ?? undefined },
  );
}

interface Dense {
  input: SeriesInput;
  lastSaleDay: string | null;
}

/** Dense daily arrays from (variant, offset, units, inStock) rows; each series starts at the earlier of its product's creation and its first sale. */
function denseSeries(
  rows: readonly { v: string; i: number; u: number; s: boolean | null }[],
  from: string,
  asOf: string,
  createdDay: ReadonlyMap<string, string>,
  ids: readonly string[] = [],
): Map<string, Dense> {
  const len = toDay(asOf) - toDay(from) + 1;
  const byVariant = new Map<string, { v: string; i: number; u: number; s: boolean | null }[]>();
  for (const id of ids) byVariant.set(id, []);
  for (const r of rows) {
    let list = byVariant.get(r.v);
    if (!list) byVariant.set(r.v, (list = []));
    list.push(r);
  }
  const out = new Map<string, Dense>();
  for (const [v, list] of byVariant) {
    const created = createdDay.get(v);
    let first = created && created > from ? Math.min(len - 1, toDay(created) - toDay(from)) : 0;
    for (const r of list) first = Math.min(first, r.i);
    const n = len - first;
    const values = new Float64Array(n);
    const inStock = new Uint8Array(n).fill(1);
    let last = -1;
    for (const r of list) {
      const k = r.i - first;
      values[k] = r.u;
      if (r.s === false) inStock[k] = 0;
      if (r.u > 0 && r.i > last) last = r.i;
    }
    out.set(v, { input: { id: v, start: addDays(from, first), values, inStock }, lastSaleDay: last >= 0 ? addDays(from, last) : null });
  }
  return out;
}

let augurs: AugursEngine | undefined;
function engine(): AugursEngine | undefined {
  if (process.env.FORECAST_AUGURS === "0") return undefined;
  augurs ??= loadAugurs();
  return augurs;
}

function threads(): number {
  const env = Number(process.env.FORECAST_THREADS);
  return Number.isInteger(env) && env >= 0 ? env : Math.min(4, Math.max(0, os.availableParallelism() - 1));
}

/** Series at or above this count are forecast in worker threads (FORECAST_WORKER_MIN_SERIES, default 1000). */
function workerThreshold(): number {
  const env = Number(process.env.FORECAST_WORKER_MIN_SERIES);
  return Number.isFinite(env) && env > 0 ? env : 1000;
}

/** A flat forecast at the last 28 days' mean, used when a series' model fails (counted as an error). */
function fallback(input: SeriesInput, horizon: number): ForecastResult {
  const v = Array.from(input.values, (x) => (Number.isFinite(x) ? x : 0)).slice(-28);
  const m = v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  const start = addDays(input.start, input.values.length);
  const f = Array<number>(horizon).fill(m);
  return {
    id: input.id,
    start,
    dates: f.map((_, i) => addDays(start, i)),
    forecast: f,
    lo80: f.map(() => Math.max(0, m - 1.2816 * sd)),
    hi80: f.map(() => m + 1.2816 * sd),
    lo95: f.map(() => Math.max(0, m - 1.96 * sd)),
    hi95: f.map(() => m + 1.96 * sd),
    model: "moving-average",
    components: [],
    demandClass: "none",
    coldStart: false,
    backtest: { origins: 0, horizon: 0, mae: NaN, accTotal: NaN, coverage80: NaN, coverage95: NaN, scores: {} },
    outliers: [],
    censoredDays: 0,
    holidays: [],
    dailyMean: m,
    dailySd: sd,
    warnings: ["model failed: flat 28-day mean"],
  };
}

async function forecastAll(
  inputs: SeriesInput[],
  options: ForecastOptions,
  log?: (line: string) => void,
): Promise<{ results: ForecastResult[]; errors: number }> {
  const t = threads();
  if (t > 1 && inputs.length >= workerThreshold()) {
    try {
      const { augurs: _ignored, ...rest } = options;
      const results = await forecastManyInWorkers(inputs, rest, { threads: t, useAugurs: options.augurs !== undefined });
      return { results, errors: 0 };
    } catch (error) {
      log?.(`worker threads failed (${error instanceof Error ? error.message : String(error)}); forecasting in this thread`);
    }
  }
  let errors = 0;
  const results = inputs.map((input) => {
    try {
      return forecastWithSignals(input, options);
    } catch {
      errors++;
      return fallback(input, options.horizon);
    }
  });
  return { results, errors };
}

export async function computeVariants(db: Queryable, input: ComputeInput): Promise<ComputeResult> {
  const t0 = performance.now();
  const { shopId, asOf, variantIds } = input;
  const from = addDays(asOf, -(HISTORY_DAYS - 1));
  const since90 = addDays(asOf, -89);
  const demandLoc = input.locations.demand;

  const metaRows = await db.query<Meta>(
    `SELECT v.id::text AS id, v."productId"::text AS "productId", v.title, v.sku, v.price::float8 AS price,
            p.title AS "productTitle", p.vendor, p."productType",
            to_char((p."shopifyCreatedAt" AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date, 'YYYY-MM-DD') AS "createdDay"
       FROM "ProductVariant" v
       JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
       JOIN "Shop" s ON s.id = v."shopId"
      WHERE v."shopId" = $1 AND v.id = ANY($2::bigint[])
      ORDER BY v.id`,
    [shopId, variantIds],
  );
  const metas = metaRows.rows;
  const ids = metas.map((m) => m.id);
  if (ids.length === 0) return { forecasts: [], advice: [], sums: emptyEvalSums(), modelMix: {}, errors: 0, signals: [], sources: {} };

  const demand = await db.query<{ v: string; i: number; u: number; s: boolean | null }>(
    `SELECT "variantId"::text AS v, (day - $3::date) AS i, sum(units)::int AS u, bool_or("inStock") AS s
       FROM "DailyDemand"
      WHERE "shopId" = $1 AND "variantId" = ANY($2::bigint[]) AND day BETWEEN $3::date AND $4::date AND ${demandLocationFilter("$5")}
      GROUP BY 1, 2`,
    [shopId, ids, from, asOf, demandLoc],
  );
  const series = denseSeries(demand.rows, from, asOf, new Map(metas.map((m) => [m.id, m.createdDay])), ids);

  const perLocation = await db.query<{ v: string; l: string; u: number }>(
    `SELECT "variantId"::text AS v, "locationId"::text AS l, sum(units)::int AS u
       FROM "DailyDemand"
      WHERE "shopId" = $1 AND "variantId" = ANY($2::bigint[]) AND day BETWEEN $3::date AND $4::date
      GROUP BY 1, 2`,
    [shopId, ids, since90, asOf],
  );
  const units90 = new Map<string, Map<string, number>>();
  for (const r of perLocation.rows) {
    if (!units90.has(r.v)) units90.set(r.v, new Map());
    units90.get(r.v)!.set(r.l, r.u);
  }

  const stock = await db.query<{ v: string; l: string; a: number }>(
    `SELECT v.id::text AS v, il."locationId"::text AS l, il.available AS a
       FROM "ProductVariant" v
       JOIN "InventoryLevel" il ON il."shopId" = v."shopId" AND il."inventoryItemId" = v."inventoryItemId"
      WHERE v."shopId" = $1 AND v.id = ANY($2::bigint[]) AND il."locationId" = ANY($3::bigint[])
      ORDER BY 1, 2`,
    [shopId, ids, input.locations.stock],
  );
  const levels = new Map<string, Map<string, number>>();
  for (const r of stock.rows) {
    if (!levels.has(r.v)) levels.set(r.v, new Map());
    levels.get(r.v)!.set(r.l, r.a);
  }

  // What the core needs to tell a stockout from a fall in demand (decision 0013): the stock now, and the first
  // day the inventory webhooks have told us about (before it, a day's stock is unknown).
  const known = await db.query<{ v: string; first: string }>(
    `SELECT v.id::text AS v, to_char(min(d.day), 'YYYY-MM-DD') AS first
       FROM "ProductVariant" v
       JOIN "InventoryDay" d ON d."shopId" = v."shopId" AND d."inventoryItemId" = v."inventoryItemId"
      WHERE v."shopId" = $1 AND v.id = ANY($2::bigint[]) AND d."locationId" = ANY($3::bigint[])
      GROUP BY 1`,
    [shopId, ids, input.locations.stock],
  );
  const stockKnownFrom = new Map(known.rows.map((r) => [r.v, r.first]));
  const locationLastSale = await lastSalesWithoutStock(db, shopId, from, asOf, levels);
  for (const id of ids) {
    const dense = series.get(id)!.input;
    const atLocations = levels.get(id);
    dense.available = atLocations ? [...atLocations.values()].reduce((sum, units) => sum + units, 0) : null;
    dense.stockKnownFrom = stockKnownFrom.get(id) ?? null;
  }

  await attachParents(db, input, metas, series, demandLoc);
  const promotions = await loadPromotionInputs(
    db,
    shopId,
    from,
    asOf,
    HORIZON,
    metas.map((m) => {
      const dense = series.get(m.id)!.input;
      return {
        id: m.id,
        productId: m.productId,
        productType: m.productType,
        offset: toDay(dense.start) - toDay(from),
        n: dense.values.length,
      };
    }),
  );
  for (const [id, promotion] of promotions) series.get(id)!.input.promotions = promotion;
  const external = await loadRegressorInputs(
    db,
    shopId,
    from,
    asOf,
    HORIZON,
    metas.map((m) => {
      const dense = series.get(m.id)!.input;
      return { id: m.id, productType: m.productType, offset: toDay(dense.start) - toDay(from), n: dense.values.length };
    }),
  );
  for (const [id, regressors] of external.inputs) series.get(id)!.input.regressors = regressors;

  const options: ForecastOptions = {
    horizon: HORIZON,
    country: input.country ?? undefined,
    shop: input.context,
    augurs: engine(),
    minHistoryDays: MIN_HISTORY_DAYS,
    candidates: input.candidates,
  };
  const inputs = ids.map((id) => series.get(id)!.input);
  const tLoad = performance.now();
  const { results, errors } = await forecastAll(inputs, options, input.log);
  const tForecast = performance.now();

  // Holdout: the same method on the history without its last 28 days, scored on those days.
  const sums = emptyEvalSums();
  const holdoutInputs: SeriesInput[] = [];
  const holdoutActual: Float64Array[] = [];
  for (const s of inputs) {
    const n = s.values.length;
    if (n < MIN_HISTORY_DAYS + HOLDOUT_DAYS) continue;
    const values = s.values as Float64Array;
    const inStock = s.inStock as Uint8Array;
    if (!values.some((x) => x > 0)) continue;
    holdoutInputs.push({
      id: s.id,
      start: s.start,
      values: values.slice(0, n - HOLDOUT_DAYS),
      inStock: inStock.slice(0, n - HOLDOUT_DAYS),
      // The same promotion days, but no prior: the holdout measures what the series' own history supports.
      ...(s.promotions ? { promotions: { days: Array.from(s.promotions.days).slice(0, n) } } : {}),
      // Regressors as the core knows them at the holdout's origin (knownAhead, beyond): nothing of the holdout leaks in.
      ...(s.regressors ? { regressors: s.regressors.map((r) => ({ ...r, values: Array.from(r.values).slice(0, n) })) } : {}),
    });
    holdoutActual.push(Float64Array.from(values.slice(n - HOLDOUT_DAYS), (x, k) => (inStock[n - HOLDOUT_DAYS + k] === 0 ? NaN : x)));
  }
  if (holdoutInputs.length > 0) {
    const hold = await forecastAll(holdoutInputs, { ...options, horizon: HOLDOUT_DAYS }, input.log);
    hold.results.forEach((r, k) =>
      addEvalSeries(sums, {
        actual: holdoutActual[k]!,
        forecast: r.forecast,
        lo80: r.lo80,
        hi80: r.hi80,
        lo95: r.lo95,
        hi95: r.hi95,
        history: holdoutInputs[k]!.values,
      }),
    );
  }

  const tHoldout = performance.now();
  const settings = input.settings;
  const forecasts: ForecastRow[] = [];
  const advice: AdviceRow[] = [];
  const modelMix: Record<string, number> = {};
  const signals: SignalUseRow[] = [];
  results.forEach((r, k) => {
    const meta = metas[k]!;
    const dense = series.get(meta.id)!;
    modelMix[r.model] = (modelMix[r.model] ?? 0) + 1;
    for (const decision of r.signals ?? []) signals.push({ variantId: meta.id, ...decision });
    const scores: Record<string, number> = {};
    for (const [model, score] of Object.entries(r.backtest.scores))
      if (typeof score === "number" && Number.isFinite(score)) scores[model] = score;
    forecasts.push({
      variantId: meta.id,
      start: r.start,
      forecast: stored(r.forecast),
      lo80: stored(r.lo80),
      hi80: stored(r.hi80),
      lo95: stored(r.lo95),
      hi95: stored(r.hi95),
      model: r.model,
      demandClass: r.demandClass,
      coldStart: r.coldStart,
      dailyMean: num(r.dailyMean) ?? 0,
      dailySd: num(r.dailySd) ?? 0,
      backtestAccTotal: num(r.backtest.accTotal),
      backtestMae: num(r.backtest.mae),
      coverage80: num(r.backtest.coverage80),
      coverage95: num(r.backtest.coverage95),
      candidateScores: scores,
      outliers: r.outliers,
      anomalies: r.anomalies ?? [],
    });
    const lt = leadTimeFor(input.leadTimes, meta.productId, meta.vendor);
    const xyz = xyzClass(Array.from(dense.input.values).slice(-364));
    const abc = input.abc?.get(meta.id) ?? "C";
    const locLevels = levels.get(meta.id) ?? new Map<string, number>();
    const noHistory = dense.lastSaleDay === null;
    // While out of stock the variant loses the demand the core estimated for it (censored, decision 0013);
    // a location out of stock while the variant still has stock elsewhere loses its share of the forecast's level.
    const stock = r.stock?.outOfStock ? r.stock : null;
    const level = stock ? stock.demandPerDay : demandLevel(r.forecast);
    const variantStart = stock?.since ? { since: stock.since, sinceEstimated: stock.sinceEstimated } : null;
    const common = {
      variantId: meta.id,
      productId: meta.productId,
      productTitle: meta.productTitle,
      variantTitle: meta.title,
      sku: meta.sku,
      vendor: meta.vendor,
      productType: meta.productType,
      price: meta.price,
      abcClass: abc,
      xyzClass: xyz,
      lastSaleDay: dense.lastSaleDay,
    };
    const row = (locationId: string, available: number, share: number): AdviceRow => {
      const p = projection({ forecast: r.forecast, start: r.start, dailyMean: r.dailyMean, dailySd: r.dailySd, share, available });
      const out = outOfStock({
        asOf,
        available,
        noHistory,
        demandPerDay: level * Math.max(0, share),
        price: meta.price,
        start: stockoutStart({
          asOf,
          variant: variantStart,
          lastSaleDay: dense.lastSaleDay,
          location: locationId === "0" ? undefined : { lastSaleDay: locationLastSale.get(`${meta.id}:${locationId}`) ?? null },
        }),
      });
      const pol = policy(
        {
          asOf,
          available,
          price: meta.price,
          dailyMean: p.dailyMean,
          dailySd: p.dailySd,
          stockoutDate: p.stockoutDate,
          lastSaleDay: dense.lastSaleDay,
          noHistory,
          outOfStock: out !== null,
          ...lt,
        },
        settings,
      );
      return {
        ...common,
        locationId,
        available,
        dailyMean: p.dailyMean,
        daysOfCover: p.daysOfCover,
        stockoutDate: p.stockoutDate,
        ...pol,
        stockValue: Math.round(meta.price * Math.max(0, available) * 100) / 100,
        outOfStockSince: out?.since ?? null,
        sinceEstimated: out?.sinceEstimated ?? false,
        lostUnitsPerDay: out?.lostUnitsPerDay ?? 0,
        lostUnitsToDate: out?.lostUnitsToDate ?? 0,
        lostRevenuePerDay: out?.lostRevenuePerDay ?? 0,
        lostRevenueToDate: out?.lostRevenueToDate ?? 0,
      };
    };
    const total = [...locLevels.values()].reduce((a, b) => a + b, 0);
    advice.push(row("0", total, 1));
    if (locLevels.size > 0) {
      const u = units90.get(meta.id);
      const shares =
        r.dailyMean > 1e-9
          ? locationShares(new Map([...locLevels.keys()].map((l) => [l, u?.get(l) ?? 0])))
          : new Map([...locLevels.keys()].map((l) => [l, 1 / locLevels.size]));
      for (const [l, a] of locLevels) advice.push(row(l, a, shares.get(l) ?? 0));
    }
  });
  const tAdvice = performance.now();
  input.log?.(
    `computed ${ids.length} variants: load ${Math.round(tLoad - t0)} ms, forecast ${Math.round(tForecast - tLoad)} ms, holdout ${Math.round(tHoldout - tForecast)} ms, advice ${Math.round(tAdvice - tHoldout)} ms`,
  );
  return { forecasts, advice, sums, modelMix, errors, signals, sources: external.statuses };
}

/**
 * The last sale day (in the history window) of each (variant, location) without stock, keyed `variant:location`:
 * when such a location ran out (decision 0039). Only the locations at 0 or below are read.
 */
async function lastSalesWithoutStock(
  db: Queryable,
  shopId: string,
  from: string,
  asOf: string,
  levels: ReadonlyMap<string, ReadonlyMap<string, number>>,
): Promise<Map<string, string>> {
  const variants: string[] = [];
  const locations: string[] = [];
  for (const [v, atLocations] of levels)
    for (const [l, available] of atLocations)
      if (available <= 0) {
        variants.push(v);
        locations.push(l);
      }
  if (variants.length === 0) return new Map();
  const { rows } = await db.query<{ v: string; l: string; last: string }>(
    `SELECT d."variantId"::text AS v, d."locationId"::text AS l, to_char(max(d.day), 'YYYY-MM-DD') AS last
       FROM unnest($2::bigint[], $3::bigint[]) AS p(v, l)
       JOIN "DailyDemand" d ON d."shopId" = $1 AND d."variantId" = p.v AND d."locationId" = p.l
      WHERE d.day BETWEEN $4::date AND $5::date AND d.units > 0
      GROUP BY 1, 2`,
    [shopId, variants, locations, from, asOf],
  );
  return new Map(rows.map((r) => [`${r.v}:${r.l}`, r.last]));
}

/** Cold-start parents: the product's daily sales over its variants (last 182 days), else its product type's level. */
async function attachParents(
  db: Queryable,
  input: ComputeInput,
  metas: readonly Meta[],
  series: Map<string, Dense>,
  demandLoc: string[],
): Promise<void> {
  const cold = metas.filter((m) => {
    const s = series.get(m.id)!.input;
    let observed = 0;
    for (let i = 0; i < s.values.length; i++) if (s.inStock?.[i] !== 0) observed++;
    return observed < MIN_HISTORY_DAYS;
  });
  if (cold.length === 0) return;
  const from = addDays(input.asOf, -181);
  const products = [...new Set(cold.map((m) => m.productId))];
  const sib = await db.query<{ p: string; i: number; u: number }>(
    `SELECT v."productId"::text AS p, (d.day - $3::date) AS i, sum(d.units)::int AS u
       FROM "DailyDemand" d JOIN "ProductVariant" v ON v."shopId" = d."shopId" AND v.id = d."variantId"
      WHERE d."shopId" = $1 AND v."productId" = ANY($2::bigint[]) AND d.day BETWEEN $3::date AND $4::date AND ${demandLocationFilter("$5", "d")}
      GROUP BY 1, 2`,
    [input.shopId, products, from, input.asOf, demandLoc],
  );
  const counts = await db.query<{ p: string; n: number }>(
    `SELECT "productId"::text AS p, count(*)::int AS n FROM "ProductVariant"
      WHERE "shopId" = $1 AND "productId" = ANY($2::bigint[]) AND "deletedAt" IS NULL GROUP BY 1`,
    [input.shopId, products],
  );
  const types = [...new Set(cold.map((m) => m.productType))];
  const levels = await db.query<{ t: string; level: number }>(
    `WITH n AS (SELECT p."productType" AS t, count(*) AS n FROM "ProductVariant" v
                  JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
                 WHERE v."shopId" = $1 AND v."deletedAt" IS NULL AND p."productType" = ANY($2::text[]) GROUP BY 1),
          u AS (SELECT p."productType" AS t, sum(d.units) AS u FROM "DailyDemand" d
                  JOIN "ProductVariant" v ON v."shopId" = d."shopId" AND v.id = d."variantId"
                  JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
                 WHERE d."shopId" = $1 AND p."productType" = ANY($2::text[]) AND d.day BETWEEN $3::date AND $4::date
                   AND ${demandLocationFilter("$5", "d")}
                 GROUP BY 1)
     SELECT n.t, coalesce(u.u, 0)::float8 / 90 / n.n AS level FROM n LEFT JOIN u USING (t)`,
    [input.shopId, types, addDays(input.asOf, -89), input.asOf, demandLoc],
  );
  const sibSeries = new Map<string, Float64Array>();
  for (const r of sib.rows) {
    let s = sibSeries.get(r.p);
    if (!s) sibSeries.set(r.p, (s = new Float64Array(182)));
    s[r.i] = r.u;
  }
  const count = new Map(counts.rows.map((r) => [r.p, r.n]));
  const level = new Map(levels.rows.map((r) => [r.t, r.level]));
  for (const m of cold) {
    const s = sibSeries.get(m.productId);
    let parent: ParentPattern | undefined;
    if (s && s.some((x) => x > 0)) parent = { kind: "series", start: from, values: s, share: 1 / Math.max(1, count.get(m.productId) ?? 1) };
    else if ((level.get(m.productType) ?? 0) > 0) parent = { kind: "level", dailyUnits: level.get(m.productType)! };
    if (parent) series.get(m.id)!.input.parent = parent;
  }
}
