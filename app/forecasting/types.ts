/**
 * Public types of the forecasting core. Everything here is plain data (structured-clone safe),
 * so inputs and results can cross worker_threads boundaries unchanged.
 */

/** ISO calendar day, `YYYY-MM-DD`, interpreted in UTC. */
export type IsoDate = string;

/** One daily demand series (one variant, optionally at one location). */
export interface SeriesInput {
  id: string;
  /** Date of `values[0]`; values are consecutive days from here. */
  start: IsoDate;
  /** Units sold per day. `NaN` means "unknown" (treated like a censored day). */
  values: ArrayLike<number>;
  /** Optional per-day stock flag aligned with `values`: 0/false = out of stock (demand censored). */
  inStock?: ArrayLike<number | boolean>;
  /** Optional parent/group pattern used when the series is too short (cold start). */
  parent?: ParentPattern;
}

/**
 * Pattern of the product (or product type) a new variant belongs to. Either a daily series
 * (the sum over the variant's siblings, for instance) or just a level and weekday profile.
 */
export type ParentPattern =
  | {
      kind: "series";
      start: IsoDate;
      values: ArrayLike<number>;
      /** Expected share of the parent's demand that this variant takes (e.g. 1/siblings). */
      share?: number;
    }
  | {
      kind: "level";
      /** Expected mean units per day for this variant. */
      dailyUnits: number;
      /** Optional weekday multipliers, index 0 = Monday … 6 = Sunday, mean ≈ 1. */
      weekdayProfile?: readonly number[];
    };

export type ModelName =
  | "seasonal-naive"
  | "moving-average"
  | "ses-weekly"
  | "ses-weekly-yearly"
  | "damped-weekly"
  | "croston"
  | "sba"
  | "tsb"
  | "adida-weekly"
  | "mstl-ets"
  | "ensemble"
  | "cold-start"
  | "zero";

/** Syntetos–Boylan demand class (ADI / CV² of non-zero demand sizes). */
export type DemandClass = "smooth" | "erratic" | "intermittent" | "lumpy" | "none";

/** Optional adapter for the augurs WASM models (kept out of the pure core; see augurs.server.ts). */
export interface AugursEngine {
  /** MSTL decomposition with the given periods + AutoETS on the remainder trend; returns `horizon` points. */
  mstlEts(y: Float64Array, periods: number[], horizon: number): Float64Array;
}

/** Context shared by all series of one shop (computed once by `buildShopContext`). */
export interface ShopContext {
  /** Weekday multipliers of the whole shop (0 = Monday), mean 1; a 0 marks a weekday the shop is closed. */
  weekdayProfile: number[];
  /** Days (ISO) on which the whole shop sold nothing although it usually trades: treated as unknown, not as zero demand. */
  closedDates: IsoDate[];
  /** Multiplier applied to public-holiday days, measured on the shop's own history (1 = no effect). */
  holidayFactor: number;
}

export interface ForecastOptions {
  /** Days to forecast, starting the day after the last input day. */
  horizon: number;
  /** ISO 3166 country (e.g. "GB") for public holidays; omit for none. */
  country?: string;
  /** Optional region/state for date-holidays (e.g. "SCT"). */
  region?: string;
  /** Shop-level context (weekday pattern, closed days, holiday effect); see buildShopContext. */
  shop?: ShopContext;
  /** augurs engine; when absent, MSTL+AutoETS is simply not a candidate. */
  augurs?: AugursEngine;
  /** Demand classes for which MSTL+AutoETS (≈ 6.5 ms per fit) is a candidate (default ["smooth"]). */
  augursFor?: readonly DemandClass[];
  /** Number of rolling origins used for selection and interval calibration (default 4). */
  origins?: number;
  /** Minimum observed days before a series is forecast on its own (default 56). */
  minHistoryDays?: number;
  /** Restrict the candidate set (mostly for tests and comparisons). */
  candidates?: ModelName[];
}

export interface OutlierFlag {
  date: IsoDate;
  value: number;
  /** The value the models were fitted on instead. */
  cappedTo: number;
}

export interface BacktestSummary {
  /** Rolling origins actually used. */
  origins: number;
  /** Days per origin scored. */
  horizon: number;
  /** Mean absolute daily error of the chosen method over the origins. */
  mae: number;
  /** 1 − |Σ forecast − Σ actual| / Σ actual over the origin windows (clamped at −1). */
  accTotal: number;
  /** Share of held-out days inside the 80 % / 95 % bands (leave-one-origin-out), NaN if not measurable. */
  coverage80: number;
  coverage95: number;
  /** Score (lower is better) of every candidate evaluated. */
  scores: Partial<Record<ModelName, number>>;
}

export interface ForecastResult {
  id: string;
  /** First forecast day (day after the last input day). */
  start: IsoDate;
  dates: IsoDate[];
  forecast: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
  model: ModelName;
  /** Components when model = "ensemble". */
  components: ModelName[];
  demandClass: DemandClass;
  /** True when the forecast comes from the parent pattern / prior, not from the series itself. */
  coldStart: boolean;
  backtest: BacktestSummary;
  outliers: OutlierFlag[];
  /** Input days treated as censored (out of stock, unknown, or shop closed). */
  censoredDays: number;
  /** Future days that are public holidays (ISO) and the multiplier applied to them. */
  holidays: { date: IsoDate; name: string; factor: number }[];
  /** Mean and standard deviation of daily demand used by the inventory math (from backtest residuals). */
  dailyMean: number;
  dailySd: number;
  warnings: string[];
}
