/**
 * What the outside signals did for a shop's forecasts (issue 17 item 5), the pure part of the impact page. A signal enters
 * a series' forecast only where that series' own backtest gains (app/forecasting/promotions.ts, regressors.ts); the
 * current run stores each decision in `SignalUse`. From those rows, per signal: how many products considered and used
 * it, the accuracy lift over the series that use it, and the typical measured effect on demand as a sentence; plus
 * what the page says about each source's health (off, missing from the run and why, paused gateway) and the CSV lines.
 */
import type { RegressorName, SignalDecision, SignalName } from "../forecasting";
import type { SourceId } from "./sources";

export const IMPACT_SIGNALS = [
  "promotion",
  "temperature",
  "cpi",
  "consumer_confidence",
  "competitor_price",
] as const satisfies readonly SignalName[];
export type ImpactSignal = (typeof IMPACT_SIGNALS)[number];
export type Reason = SignalDecision["reason"];
export const REASONS = ["gain", "no_gain", "prior", "no_history", "too_few_windows"] as const satisfies readonly Reason[];

/**
 * Where each regressor comes from: an outside source the merchant turns on, or (`upload`) the competitor prices the
 * merchant uploads (the upload is the opt-in). Promotions come from the store and the merchant's campaigns.
 */
export type RegressorOrigin = SourceId | "upload";
export const REGRESSOR_SOURCE: Record<RegressorName, RegressorOrigin> = {
  temperature: "weather",
  cpi: "indicators",
  consumer_confidence: "indicators",
  competitor_price: "upload",
};

export function isImpactSignal(value: unknown): value is ImpactSignal {
  return typeof value === "string" && (IMPACT_SIGNALS as readonly string[]).includes(value);
}

/** One `SignalUse` row as the summary needs it; `productId` null when the variant is no longer in the catalogue. */
export interface UseRow {
  signal: string;
  variantId: string;
  productId: string | null;
  used: boolean;
  reason: string;
  effect: number | null;
  maeWith: number | null;
  maeWithout: number | null;
  windows: number;
}

/** The typical effect of a signal on demand, for the sentence of its kind: `change` 0.38 = +38 %. */
export interface EffectPhrase {
  key: `effect.${ImpactSignal}`;
  change: number;
  /** Decimals worth showing: a promotion moves demand by tens of percent, a degree of temperature by a few. */
  digits: number;
  /** The series the median is taken over. */
  series: number;
}

export interface SignalSummary {
  signal: ImpactSignal;
  considered: { products: number; variants: number };
  used: { products: number; variants: number };
  reasons: Record<Reason, number>;
  /** 1 − ΣmaeWith / ΣmaeWithout over the used series with backtest windows; null when there are none. */
  lift: number | null;
  /** Mean daily backtest error (units) with and without the signal over those series. */
  error: { with: number; without: number; series: number } | null;
  effect: EffectPhrase | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whether a row's backtest counts toward the lift: used, with windows and both errors. */
function scored(row: UseRow): row is UseRow & { maeWith: number; maeWithout: number } {
  return row.used && row.windows > 0 && Number.isFinite(row.maeWith) && Number.isFinite(row.maeWithout);
}

/** 1 − with / without, or null when there is nothing to compare with. */
export function lift(maeWith: number | null, maeWithout: number | null): number | null {
  if (maeWith === null || maeWithout === null || !Number.isFinite(maeWith) || !Number.isFinite(maeWithout) || maeWithout <= 0) return null;
  return 1 - maeWith / maeWithout;
}

/**
 * The change in demand a stored effect means, for the signal's sentence. A promotion's and a weather or index regressor's
 * effect is a multiplier per day or per unit; the competitor price index is a ratio (competitors' price ÷ the variant's),
 * whose unit would be a 100 % difference, so its sentence says what competitors 10 % dearer than usual do.
 */
export function effectChange(signal: ImpactSignal, effect: number): number {
  return signal === "competitor_price" ? effect ** 0.1 - 1 : effect - 1;
}

export function effectPhrase(signal: ImpactSignal, effects: readonly number[]): EffectPhrase | null {
  const usable = effects.filter((e) => Number.isFinite(e) && e > 0);
  const middle = median(usable);
  if (middle === null) return null;
  return { key: `effect.${signal}`, change: effectChange(signal, middle), digits: signal === "promotion" ? 0 : 1, series: usable.length };
}

/** Per signal, in the page's order, every signal present even without rows. */
export function summarise(rows: readonly UseRow[]): SignalSummary[] {
  return IMPACT_SIGNALS.map((signal) => {
    const mine = rows.filter((row) => row.signal === signal);
    const productOf = (row: UseRow) => row.productId ?? `variant:${row.variantId}`;
    const used = mine.filter((row) => row.used);
    const reasons = Object.fromEntries(REASONS.map((reason) => [reason, 0])) as Record<Reason, number>;
    for (const row of mine) if ((REASONS as readonly string[]).includes(row.reason)) reasons[row.reason as Reason] += 1;
    const scoredRows = mine.filter(scored);
    const sumWith = scoredRows.reduce((sum, row) => sum + row.maeWith, 0);
    const sumWithout = scoredRows.reduce((sum, row) => sum + row.maeWithout, 0);
    const gains = used.filter((row) => row.reason === "gain" && row.effect !== null).map((row) => row.effect!);
    return {
      signal,
      considered: { products: new Set(mine.map(productOf)).size, variants: mine.length },
      used: { products: new Set(used.map(productOf)).size, variants: used.length },
      reasons,
      lift: scoredRows.length > 0 ? lift(sumWith, sumWithout) : null,
      error:
        scoredRows.length > 0
          ? { with: sumWith / scoredRows.length, without: sumWithout / scoredRows.length, series: scoredRows.length }
          : null,
      effect: effectPhrase(signal, gains),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Health: is each source on, did the current run have it, is the gateway answering

/** What the current run recorded for an outside signal (ForecastRun.signals). */
export interface RunSignalStatus {
  status: "ok" | "unavailable" | "bad_data" | "disabled";
  reason?: string;
}

/**
 * A regressor's state for the page:
 * - `off`: its source is off in the settings;
 * - `waiting`: on, but the current run did not ask for it (no product of the opted-in types then, or turned on since);
 * - `incomplete`: on, but the run found its set-up unusable (`disabled`, e.g. no key);
 * - `failed`: the run could not have it (`unavailable`) or refused what it gave (`bad_data`): forecasts went on without it;
 * - `ok`: the run had it.
 */
export type RegressorHealth =
  | { state: "off" }
  | { state: "waiting" }
  | { state: "incomplete"; reason: string }
  | { state: "failed"; status: "unavailable" | "bad_data"; reason: string }
  | { state: "ok" };

export function regressorHealth(sourceEnabled: boolean, run: RunSignalStatus | undefined): RegressorHealth {
  if (!sourceEnabled) return { state: "off" };
  if (!run) return { state: "waiting" };
  switch (run.status) {
    case "ok":
      return { state: "ok" };
    case "disabled":
      return { state: "incomplete", reason: run.reason ?? "" };
    case "unavailable":
    case "bad_data":
      return { state: "failed", status: run.status, reason: run.reason ?? "" };
  }
}

/** The statuses the run recorded, keeping only well-formed entries of known regressors. */
export function runSignalStatuses(value: unknown): Partial<Record<RegressorName, RunSignalStatus>> {
  const out: Partial<Record<RegressorName, RunSignalStatus>> = {};
  if (typeof value !== "object" || value === null) return out;
  for (const name of Object.keys(REGRESSOR_SOURCE) as RegressorName[]) {
    const entry = (value as Record<string, unknown>)[name];
    if (typeof entry !== "object" || entry === null) continue;
    const { status, reason } = entry as { status?: unknown; reason?: unknown };
    if (status === "ok" || status === "unavailable" || status === "bad_data" || status === "disabled")
      out[name] = typeof reason === "string" ? { status, reason } : { status };
  }
  return out;
}

/** A run or a sync older than this is shown as stale: the nightly work has not happened for a day and more. */
export const STALE_HOURS = 36;

export function isStale(at: string | null, now: Date, hours = STALE_HOURS): boolean {
  if (at === null) return true;
  const time = Date.parse(at);
  return !Number.isFinite(time) || now.getTime() - time > hours * 3_600_000;
}

/** Where a promotion's days fall against today: over, running, or to come. */
export type PromotionPeriod = "past" | "running" | "upcoming";
export const PROMOTION_SOURCES = ["discount", "marketing", "campaign"] as const;
export type PromotionSource = (typeof PROMOTION_SOURCES)[number];

// ---------------------------------------------------------------------------------------------------------------
// The products table and its CSV

/** Products listed per signal on the page (the CSV has them all). */
export const TOP_ROWS = 25;

/** One product variant's decision for one signal, with its titles. */
export interface ImpactRow {
  signal: ImpactSignal;
  variantId: string;
  productId: string | null;
  productTitle: string | null;
  variantTitle: string | null;
  used: boolean;
  reason: Reason;
  effect: number | null;
  maeWith: number | null;
  maeWithout: number | null;
  windows: number;
  pastDays: number;
  futureDays: number;
  priorSource: "type" | "shop" | "merchant" | null;
}

/** "Product · Variant", without Shopify's placeholder title of a single-variant product. */
export function displayTitle(row: Pick<ImpactRow, "productTitle" | "variantTitle" | "variantId">): string {
  if (row.productTitle === null) return `#${row.variantId}`;
  return row.variantTitle && row.variantTitle !== "Default Title" ? `${row.productTitle} · ${row.variantTitle}` : row.productTitle;
}

export const CSV_HEADER = [
  "signal",
  "variant_id",
  "product_id",
  "product",
  "variant",
  "used",
  "reason",
  "effect_pct",
  "mae_with",
  "mae_without",
  "lift_pct",
  "backtest_windows",
  "signal_days_past",
  "signal_days_future",
  "prior_source",
] as const;

/** A row of the export: percentages as numbers (38.2 = +38.2 %), errors in units per day. */
export function csvRow(row: ImpactRow): (string | number | boolean | null)[] {
  const gained = lift(row.maeWith, row.maeWithout);
  return [
    row.signal,
    row.variantId,
    row.productId,
    row.productTitle,
    row.variantTitle,
    row.used,
    row.reason,
    row.effect === null ? null : effectChange(row.signal, row.effect) * 100,
    row.maeWith,
    row.maeWithout,
    row.windows > 0 && gained !== null ? gained * 100 : null,
    row.windows,
    row.pastDays,
    row.futureDays,
    row.priorSource,
  ];
}
