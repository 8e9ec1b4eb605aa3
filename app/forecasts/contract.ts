/**
 * The shared contract of stored forecasts and inventory advice: what the forecast API (app/routes/api.*)
 * answers, what the dashboard loaders return, and the zod schemas of their parameters and of the
 * settings form. Plain data and zod only (no server code), so the UI, the API, the admin block and the
 * tests import the same types.
 */
import { z } from "zod";
import { DbId, IsoDay, LocationId, UserText } from "../api/params";

/** `YYYY-MM-DD`, a day in the shop's time zone. */
export type Day = string;

/** Most urgent first: the list's default order (decision 0039). */
export const RISKS = ["out_of_stock", "stockout", "reorder", "dead", "ok", "no_data"] as const;
export type Risk = (typeof RISKS)[number];

export const ABC_CLASSES = ["A", "B", "C"] as const;
export const XYZ_CLASSES = ["X", "Y", "Z"] as const;

/** One row of the variants list (and of its CSV export). */
export interface VariantAdviceRow {
  variantId: string;
  productId: string;
  productTitle: string;
  variantTitle: string;
  sku: string | null;
  vendor: string;
  productType: string;
  /** "0" = all counted locations together. */
  locationId: string;
  available: number;
  dailyMean: number;
  daysOfCover: number | null;
  stockoutDate: Day | null;
  leadTimeDays: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpTo: number;
  eoq: number;
  reorderQty: number;
  risk: Risk;
  abcClass: (typeof ABC_CLASSES)[number];
  xyzClass: (typeof XYZ_CLASSES)[number];
  lastSaleDay: Day | null;
  /** Retail value of the available stock, in the shop's currency. */
  stockValue: number;
  /** Out of stock now (risk `out_of_stock`): the first day without stock, else null (decision 0039). */
  outOfStockSince: Day | null;
  /** `outOfStockSince` is inferred from sales (no stock history covers it). */
  sinceEstimated: boolean;
  /** Sales lost while out of stock, per day and since `outOfStockSince` through asOf, in units (0 when not out of stock). */
  lostUnitsPerDay: number;
  lostUnitsToDate: number;
  /** The same in the shop's currency (the variant's price × units). */
  lostRevenuePerDay: number;
  lostRevenueToDate: number;
}

export const SORT_KEYS = ["risk", "title", "available", "daysOfCover", "stockoutDate", "reorderQty", "stockValue", "dailyMean"] as const;

/** A comma-separated list of codes (`?risk=stockout,reorder`), each part validated. */
function csvList<T extends z.ZodType<string, string>>(item: T) {
  return z
    .string()
    .max(2000)
    .transform((value) => value.split(",").filter((part) => part !== ""))
    .pipe(z.array(item).max(50));
}

/**
 * A list of free-text values (vendors, product types), which may themselves contain commas
 * ("Smith, Jones & Co."): one URL parameter per value (`?vendor=A&vendor=B`), never split.
 */
function textList<T extends z.ZodType<string, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string()).max(50)])
    .transform((value) => (Array.isArray(value) ? value : [value]).filter((part) => part !== ""))
    .pipe(z.array(item).max(50));
}

/** Query parameters of the variants list (`/app/variants?…`, `/app/variants.csv?…`). */
export const VariantListQuery = z.object({
  q: UserText.trim().max(100).optional(),
  risk: csvList(z.enum(RISKS)).optional(),
  vendor: textList(UserText.min(1).max(255)).optional(),
  productType: textList(UserText.min(1).max(255)).optional(),
  abc: csvList(z.enum(ABC_CLASSES)).optional(),
  /** `unusual=1`: only the variants with unusual sales in the run's last 7 days (anomaly flags, decision 0054). */
  unusual: z
    .literal("1")
    .transform(() => true as const)
    .optional(),
  location: LocationId.default("0"),
  sort: z.enum(SORT_KEYS).default("risk"),
  direction: z.enum(["asc", "desc"]).default("asc"),
  /** Keyset or offset paging: 1-based page of `pageSize` rows. */
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(10).max(250).default(50),
});
export type VariantListQuery = z.infer<typeof VariantListQuery>;

export interface VariantListPage {
  rows: VariantAdviceRow[];
  total: number;
  page: number;
  pageSize: number;
  /** The run the rows come from; null before the first forecast run completed. */
  runId: string | null;
  asOf: Day | null;
}

/** A variant's forecast for the chart and the API. */
export interface VariantForecastDetail {
  variantId: string;
  runId: string;
  asOf: Day;
  model: string;
  demandClass: string;
  coldStart: boolean;
  /** Daily sales history (units), most recent last, with the in-stock flag (null = unknown). */
  history: { day: Day; units: number; inStock: boolean | null }[];
  /** Forecast per day from the day after `asOf`, with 80 % and 95 % bands (never negative). */
  forecast: { day: Day; forecast: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
  /** Projected end-of-day stock under the forecast (no arrivals), and the first day it reaches zero (null when out of stock now). */
  projectedStock: { day: Day; units: number }[];
  stockoutDate: Day | null;
  /** At the requested location: out of stock since this day (through `asOf`; estimated = inferred from sales), else null. */
  outOfStock: { since: Day; sinceEstimated: boolean } | null;
  /** The series' own rolling-origin backtest (null when there was too little history). */
  backtest: { accTotal: number | null; mae: number | null; coverage80: number | null; coverage95: number | null };
  /** Scores (lower is better) of the candidate models evaluated for this series. */
  candidateScores: Record<string, number>;
  /** When `model` is "ensemble": the candidates it averaged, best first; otherwise empty. */
  ensembleOf: string[];
  outliers: { date: Day; value: number; cappedTo: number }[];
  /** The run's last 7 days whose sales (all counted locations) fell outside the 95 % band, oldest first (decision 0054). */
  anomalies: { date: Day; kind: "spike" | "drop"; units: number; expected: number; lo95: number; hi95: number }[];
  advice: VariantAdviceRow[];
}

/**
 * How far a forecast range reaches around the run's asOf: three years of history (the forecast reads two) and a
 * year ahead (the horizon is 90 days). The read model starts the history no earlier than asOf − RANGE_HISTORY_DAYS
 * whatever `from` asks, so an answer stays bounded (a few thousand days at most); a range wider than the whole
 * window cannot be meant and is refused.
 */
export const RANGE_HISTORY_DAYS = 3 * 365 + 1;
export const RANGE_AHEAD_DAYS = 366;
export const MAX_RANGE_DAYS = RANGE_HISTORY_DAYS + RANGE_AHEAD_DAYS;

function daysBetween(from: Day, to: Day): number {
  return (Date.parse(to) - Date.parse(from)) / 86_400_000;
}

/** Query parameters of `GET /api/variants/:variantId/forecast`. */
export const ForecastRangeQuery = z
  .object({
    from: IsoDay.optional(),
    to: IsoDay.optional(),
    location: LocationId.optional(),
  })
  .refine((value) => !value.from || !value.to || value.from <= value.to, { message: "from must not be after to", path: ["from"] })
  .refine((value) => !value.from || !value.to || daysBetween(value.from, value.to) <= MAX_RANGE_DAYS, {
    message: `at most ${MAX_RANGE_DAYS} days from from to to`,
    path: ["to"],
  });
export type ForecastRangeQuery = z.infer<typeof ForecastRangeQuery>;

/** The shop's forecast summary (the overview page). A schema, because the overview caches it as JSON. */
export const ForecastOverview = z.object({
  runId: z.string().nullable(),
  asOf: z.string().nullable(),
  publishedAt: z.string().nullable(),
  /** Variants out of stock now, and the revenue they lose a day (shop currency). */
  outOfStock: z.object({ count: z.number(), lostRevenuePerDay: z.number() }),
  /** Variants whose projected stockout falls within their lead time. */
  atRisk: z.number(),
  /** Variants at or below their reorder point (not yet at risk). */
  toReorder: z.number(),
  /** Retail value of stock with no sale in the last 90 / 180 / 365 days. */
  deadStockValue: z.object({ days90: z.number(), days180: z.number(), days365: z.number() }),
  /** Measured accuracy of the forecasts made 28 days ago against what then sold (null until measurable). */
  liveAccuracy: z.object({ accTotal: z.number(), wape: z.number(), days: z.number(), variants: z.number() }).nullable(),
  /** The last run's backtest accuracy (a measure is null when the run could not score it). */
  backtestAccuracy: z
    .object({ accTotal: z.number(), mase: z.number().nullable(), coverage80: z.number().nullable(), coverage95: z.number().nullable() })
    .nullable(),
});
export type ForecastOverview = z.infer<typeof ForecastOverview>;

const leadTime = z.coerce.number().min(0).max(365);

/** The settings form (inventory math inputs). */
export const SettingsInput = z.object({
  serviceLevel: z.coerce.number().min(0.5).max(0.999),
  leadTimeDays: leadTime,
  leadTimeSdDays: leadTime,
  reviewPeriodDays: z.coerce.number().int().min(1).max(90),
  orderCost: z.coerce.number().min(0).max(100_000),
  holdingCostRate: z.coerce.number().min(0.01).max(2),
  locationIds: z.array(DbId).max(500),
});
export type SettingsInput = z.infer<typeof SettingsInput>;
/** The shop-wide inventory policy behind the advice: the one type for the form, the stored row and the advice maths. */
export type AdvicePolicy = SettingsInput;

/** A product given as its numeric id or its GID (`gid://shopify/Product/123`), as the settings form accepts it. */
export const ProductKey = z
  .string()
  .transform((value) => value.split("/").pop() ?? "")
  .pipe(DbId);

/** Which lead-time override: a vendor's name, or a product's id (checked here, so a bad one is a field error). */
const overrideKey = {
  scope: z.enum(["vendor", "product"]),
  /** Vendor name, or the product's numeric id. */
  key: UserText.trim().min(1).max(255),
};
function productKeyValid(value: { scope: "vendor" | "product"; key: string }): boolean {
  return value.scope !== "product" || ProductKey.safeParse(value.key).success;
}
const productKeyIssue = { message: "product key must be the product's numeric id", path: ["key"] };

/** The override a delete names (the settings page's `delete-override`). */
export const LeadTimeOverrideKey = z.object(overrideKey).refine(productKeyValid, productKeyIssue);
export type LeadTimeOverrideKey = z.infer<typeof LeadTimeOverrideKey>;

export const LeadTimeOverrideInput = z
  .object({
    ...overrideKey,
    leadTimeDays: leadTime,
    leadTimeSdDays: leadTime.default(0),
  })
  .refine(productKeyValid, productKeyIssue);
export type LeadTimeOverrideInput = z.infer<typeof LeadTimeOverrideInput>;
