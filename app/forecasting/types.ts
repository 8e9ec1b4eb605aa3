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
  /**
   * First day covered by known stock history (the app: the item's first `InventoryDay`). From this
   * day on, a day not flagged 0 in `inStock` is known to have had stock; before it, a day's stock is
   * unknown unless flagged 0. `null` = no stock history yet (no day known; pass the app's
   * `min(InventoryDay.day)` as it comes). Absent: every day is known when `inStock` is given (e.g. the
   * CSV's `in_stock` column), none otherwise. Known stock always wins over the stockout inference
   * (decision 0013).
   */
  stockKnownFrom?: IsoDate | null;
  /**
   * Units available now, i.e. after the last day of `values` (the app: Σ `InventoryLevel.available`
   * over the counted locations); `null` or absent = unknown. With `available ≤ 0` the trailing run
   * of days without sales and without known stock is tested and, when improbable under the demand
   * before it, censored as out of stock (decision 0013). With stock on hand those zeros stay demand.
   */
  available?: number | null;
  /** Optional parent/group pattern used when the series is too short (cold start). */
  parent?: ParentPattern;
  /** Promotion days, past and planned (issue 17): used only where the series' own backtest shows a gain (promotions.ts). */
  promotions?: PromotionInput;
  /** External daily regressors (temperature, an economic index): used only where the series' backtest shows a gain (regressors.ts). */
  regressors?: RegressorInput[];
}

export type RegressorName = "temperature" | "cpi" | "consumer_confidence" | "competitor_price";
export type SignalName = "promotion" | RegressorName;

/** One external regressor of a series: one value per day from `start` through the last forecast day, NaN = unknown. */
export interface RegressorInput {
  name: RegressorName;
  values: ArrayLike<number>;
  /**
   * Days after a forecast's origin whose value is known when the forecast is made (a weather forecast's 16 days; 0 for
   * an index published after its month). Backtests see only what was known at their origin, so no future leaks in.
   */
  knownAhead: number;
  /** After those days: "unknown" (no adjustment) or "carry" (the last known value holds, as for a monthly index). */
  beyond: "unknown" | "carry";
}

/** Promotion days of one series, aligned with `values` and running on through the forecast horizon. */
export interface PromotionInput {
  /** One per day from `start` through the last forecast day: 0 = no promotion, > 0 = a promotion runs (its depth 0–1, or 1). */
  days: ArrayLike<number>;
  /**
   * The uplift for planned promotion days of a series whose history has none to measure it on: measured on its product type
   * or shop (the previous run's accepted uplifts), or the merchant's own expectation for a campaign.
   */
  prior?: { uplift: number; source: "type" | "shop" | "merchant" };
}

/** Whether a signal was used for a series, and what its backtest measured. */
export interface SignalDecision {
  signal: SignalName;
  used: boolean;
  /**
   * gain: its backtest improved; no_gain: its backtest did not; prior: no history to backtest, a planned promotion lifted by
   * the prior; no_history: no promotion in the history and none usable planned; too_few_windows: promotions too early in the
   * history (or too recent) to backtest.
   */
  reason: "gain" | "no_gain" | "prior" | "no_history" | "too_few_windows";
  /**
   * Multiplicative effect on demand: on promotion days for a promotion (1.38 = +38 %), per unit of deviation from
   * normal for a regressor (1.03 = +3 % per °C warmer than usual); null when not measurable.
   */
  effect: number | null;
  /** Mean absolute daily error over the backtest windows with and without the signal (null without windows). */
  maeWith: number | null;
  maeWithout: number | null;
  windows: number;
  /** Signal days in the history (for a regressor: the backtest days scored) and in the forecast horizon. */
  pastDays: number;
  futureDays: number;
  priorSource?: "type" | "shop" | "merchant";
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
  | "damped-weekly-yearly"
  | "adida-weekly-yearly"
  | "moving-average-yearly"
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
  /** Significance level of the zero-run test that infers a stockout (default 0.01, decision 0013). */
  stockoutLevel?: number;
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
  /** The signals considered for this series and whether each was used (absent: none considered). */
  signals?: SignalDecision[];
  /**
   * Stock state at the end of the history: out of stock or not, since when, and the demand lost per
   * day. Always set by `forecastSeries`; optional only so results built outside the core (fallbacks)
   * stay valid.
   */
  stock?: StockStatus;
  /**
   * Days among the last 7 whose sales fell outside what the forecast made before them expected (anomalies.ts,
   * decision 0054), oldest first. Always set by `forecastSeries` (empty for a cold start, a series without sales or
   * too little history to calibrate a band); optional only so results built outside the core stay valid.
   */
  anomalies?: AnomalyFlag[];
}

/** A recent day of unusual sales: against the forecast made before it (the latest backtest origin) and its 95 % band. */
export interface AnomalyFlag {
  date: IsoDate;
  /** spike: above the band (far above, or for several days); drop: below it for several days, or no sale in an improbable run. */
  kind: "spike" | "drop";
  /** Units sold that day. */
  units: number;
  /** The forecast for that day and its 95 % band (units, 2 decimals). */
  expected: number;
  lo95: number;
  hi95: number;
}

/**
 * Stock state of a series at the end of its history (decision 0013).
 *
 * The trailing run is the run of last days with no sale and no known stock (days flagged out of
 * stock, or of unknown stock before `stockKnownFrom`); a sale or a day known to have had stock ends it.
 */
export interface StockStatus {
  /** `SeriesInput.available` as given (null when unknown). */
  available: number | null;
  /** Out of stock now: `available ≤ 0`, or (when `available` is unknown) the last day is flagged out of stock without a sale. */
  outOfStock: boolean;
  /**
   * When out of stock: the first day of the stockout (ISO), i.e. the first day of the trailing run, or
   * the forecast start when the last day still had stock (a sale or a known in-stock flag). Null when in stock.
   */
  since: IsoDate | null;
  /** True when `since` falls on a day of unknown stock (inferred from sales), false when the stock history shows it. */
  sinceEstimated: boolean;
  /** Calendar days from `since` through the last input day (0 when not out of stock or out only from today). */
  daysOut: number;
  /**
   * Why the trailing run's days were not read as zero demand: "history" = flagged out of stock;
   * "inference" = its unknown-stock days were censored by the zero-run test; null = kept as demand
   * (in stock, run not improbable, or nothing to test).
   */
  runCensoredBy: "history" | "inference" | null;
  /** Input days censored by the inference (included in `ForecastResult.censoredDays`). */
  inferredDays: number;
  /**
   * When out of stock: demand lost per calendar day, the forecast's level (mean forecast over the
   * first min(horizon, 28) days, public holidays left out). Positive for a series that has sold; 0 when
   * in stock or never sold. Lost units to date ≈ `demandPerDay × daysOut`.
   */
  demandPerDay: number;
  /** The zero-run test, when one was run (out of stock, unknown-stock open days in the run, enough history). */
  test: ZeroRunTest | null;
}

/**
 * Negative-binomial (gamma–Poisson) tail test of the trailing zero run: p = P(no selling day in the
 * run's `openDays` | the selling days before it), see decision 0013.
 */
export interface ZeroRunTest {
  /** Open days of unknown stock in the run without a sale (closed weekdays, closures, holidays and flagged days left out). */
  openDays: number;
  /** Open observed days that set the rate (the 4 weeks before the run, more while under 14) and how many had a sale. */
  preRunOpenDays: number;
  preRunSellingDays: number;
  /** Pearson dispersion φ ≥ 1 of selling days per 4-week block over the 24 weeks before the run (1 = Poisson). */
  dispersion: number;
  /**
   * Seasonal guard, with a year of history before the run: the same days 364 days earlier, their
   * selling days and the run's p-value against them; `pValue` is the larger of the two.
   */
  yearAgo: { openDays: number; sellingDays: number; pValue: number } | null;
  /** P(a run at least this long | demand went on as before the run). */
  pValue: number;
  /** Level the p-value was compared with. */
  level: number;
  /** pValue < level: the run's unknown-stock days were censored as out of stock. */
  censored: boolean;
}
