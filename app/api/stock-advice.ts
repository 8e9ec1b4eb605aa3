/**
 * The JSON contract of GET /api/products/:productId/stock-advice, shared by the app, the admin block
 * extension (extensions/stock-block) and their tests. Plain types only: no runtime code.
 */
export type StockStatus = "critical" | "warning" | "ok" | "unknown";

/** A variant with no stock now (all counted locations), losing sales since `since` (decision 0039). */
export interface OutOfStockAdvice {
  /** First day without stock (shop time zone, YYYY-MM-DD). */
  since: string;
  /** `since` is inferred from sales (no stock history covers it). */
  sinceEstimated: boolean;
  /** Sales lost per day and since `since`, in units and in the shop's currency (`StockAdviceResponse.currency`). */
  lostUnitsPerDay: number;
  lostUnitsToDate: number;
  lostRevenuePerDay: number;
  lostRevenueToDate: number;
}

/** A day of the last week whose sales fell outside the forecast's 95 % band (an anomaly flag, decision 0054). */
export interface UnusualSalesDay {
  /** The day (shop time zone, YYYY-MM-DD). */
  date: string;
  /** spike: far more sold than expected; drop: far less. */
  kind: "spike" | "drop";
  units: number;
  /** What the forecast expected that day. */
  expected: number;
}

export interface VariantStockAdvice {
  /** Shopify GID, e.g. gid://shopify/ProductVariant/123 */
  variantId: string;
  title: string;
  sku: string | null;
  available: number;
  /** Days the available stock lasts at forecast demand (0 when out of stock); null when demand is ~0. */
  daysOfCover: number | null;
  /** First day (shop time zone, YYYY-MM-DD) the projected stock reaches zero within the horizon, else null (also when out of stock now). */
  stockoutDate: string | null;
  reorderPoint: number;
  /** Suggested order quantity now (0 = nothing to order). */
  reorderQuantity: number;
  /** "critical" also when out of stock (then `outOfStock` says since when and what it loses). */
  status: StockStatus;
  /** Units sold per week over the last 8 weeks, oldest first. */
  weeklyUnits: number[];
  /** Set when the variant is out of stock now, else null. Added after the first release: older answers lack it. */
  outOfStock?: OutOfStockAdvice | null;
  /** The last 7 days' unusual sales, oldest first (empty: none). Added after the first release: older answers lack it. */
  unusualSales?: UnusualSalesDay[];
}

export interface StockAdviceResponse {
  productId: string;
  generatedAt: string;
  /** ISO 4217 code of the shop's currency (lost revenue); null until the shop's details are synced. Added after the first release. */
  currency?: string | null;
  variants: VariantStockAdvice[];
}
