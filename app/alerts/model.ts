/**
 * The vocabulary of the alerts engine: alert types and their families, frequencies, severities, the input row
 * (`AlertSubject`, one advice row of the published forecast run) and the output (`AlertFinding`). Plain data
 * only: the engine (rules.ts, evaluate.ts, episodes.ts, schedule.ts, priority.ts) is pure — data in, decisions
 * out — and storage, sending, templates and UI live elsewhere.
 */
import type { ABC_CLASSES, Day, Risk } from "../forecasts/contract";

export const ALERT_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock", "forecast_failed"] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/**
 * Alert types that describe the same trouble belong to one family, and a family has one episode per variant and
 * location: low stock → at the reorder point → stockout predicted → out of stock is one "stock" episode that
 * escalates, not four alerts.
 */
export const ALERT_FAMILIES = ["stock", "dead_stock", "forecast_failed"] as const;
export type AlertFamily = (typeof ALERT_FAMILIES)[number];

export const FAMILY_OF: Readonly<Record<AlertType, AlertFamily>> = {
  out_of_stock: "stock",
  stockout_predicted: "stock",
  reorder_point: "stock",
  low_stock: "stock",
  dead_stock: "dead_stock",
  forecast_failed: "forecast_failed",
};

/** When a notification goes: at once (outside quiet hours), in the daily digest or in the weekly digest. */
export const FREQUENCIES = ["immediate", "daily", "weekly"] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * Severity within a family (higher is worse). Only severities of one family are compared: an open episode whose
 * severity rises above what was already notified escalates and notifies again.
 */
export const SEVERITY = {
  lowStock: 1,
  reorderPoint: 2,
  /** Projected stockout more than 14 days away (a "within 30 days" or long lead-time rule). */
  stockoutLater: 3,
  stockoutWithin14: 4,
  stockoutWithin7: 5,
  outOfStock: 6,
  deadStock90: 1,
  deadStock180: 2,
  deadStock365: 3,
  forecastFailed: 1,
  /** The last `FAILED_RUNS_TO_ESCALATE` runs in a row failed. */
  forecastFailedRepeatedly: 2,
} as const;

export const FAILED_RUNS_TO_ESCALATE = 3;

/** The advice's location id of all counted locations together. */
export const ALL_LOCATIONS = "0";

/** The advice row's risk, plus the out-of-stock state of the forecast-correctness work. */
export type SubjectRisk = Risk | "out_of_stock";

/**
 * One variant at one location (location "0" = all counted locations together), as the published run's
 * `VariantAdvice` row gives it, plus the out-of-stock and lost-sales figures. Ids are decimal strings, days are
 * `YYYY-MM-DD` in the shop's time zone, money is in the shop's currency.
 */
export interface AlertSubject {
  variantId: string;
  productId: string;
  locationId: string;
  productTitle: string;
  variantTitle: string;
  sku: string | null;
  /** The product's featured image (absolute http(s) URL); null without one, absent in notifications recorded before images were synced. */
  imageUrl?: string | null;
  vendor: string;
  productType: string;
  abcClass: (typeof ABC_CLASSES)[number];
  price: number;
  available: number;
  dailyMean: number;
  /** null when demand is ~0 (the stock lasts indefinitely). */
  daysOfCover: number | null;
  stockoutDate: Day | null;
  reorderPoint: number;
  reorderQty: number;
  leadTimeDays: number;
  risk: SubjectRisk;
  lastSaleDay: Day | null;
  /** Retail value of the available stock. */
  stockValue: number;
  /** The day the stock reached zero (null while in stock). */
  outOfStockSince: Day | null;
  /** `outOfStockSince` was inferred from sales rather than seen in an inventory event. */
  sinceEstimated: boolean;
  lostUnitsPerDay: number;
  lostUnitsToDate: number;
  lostRevenuePerDay: number;
  lostRevenueToDate: number;
}

/** The shop's latest forecast run failed (null in the evaluation context when it succeeded). */
export interface ForecastFailure {
  runId: string;
  /** ISO timestamp. */
  failedAt: string;
  error: string;
  /** Failed runs in a row, this one included (≥ 1). */
  consecutiveFailures: number;
}

export interface EvaluationContext {
  shopId: string;
  /** The run's last day of data (shop's time zone): stockout and last-sale distances count from it. */
  asOf: Day;
  forecastFailure: ForecastFailure | null;
}

interface FindingBase {
  /** The episode this finding belongs to (see `episodeKey`). */
  key: string;
  shopId: string;
  /** The firing rule of the highest severity in the family (ties: the more urgent frequency, then rule order). */
  type: AlertType;
  ruleId: string;
  severity: number;
  frequency: Frequency;
}

/** A rule fired for one variant at one location. */
export interface SubjectFinding extends FindingBase {
  family: "stock" | "dead_stock";
  variantId: string;
  locationId: string;
  subject: AlertSubject;
  /** Days from `asOf` to the projected stockout (null when none is projected). */
  daysUntilStockout: number | null;
  /** Days from the last sale to `asOf` (null when it never sold in the run's history). */
  daysSinceLastSale: number | null;
}

/** A shop-wide finding: the forecast run failed. */
export interface ShopFinding extends FindingBase {
  family: "forecast_failed";
  variantId: null;
  locationId: null;
  failure: ForecastFailure;
}

export type AlertFinding = SubjectFinding | ShopFinding;

export interface EpisodeKeyParts {
  shopId: string;
  family: AlertFamily;
  /** null for shop-wide episodes. */
  variantId: string | null;
  locationId: string | null;
}

/** The one identity of an episode: shop, family, variant, location. */
export function episodeKey(parts: EpisodeKeyParts): string {
  return `${parts.shopId}|${parts.family}|${parts.variantId ?? "-"}|${parts.locationId ?? "-"}`;
}
