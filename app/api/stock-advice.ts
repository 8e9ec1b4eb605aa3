/**
 * The JSON contract of GET /api/products/:productId/stock-advice, shared by the app, the admin block
 * extension (extensions/stock-block) and their tests. Plain types only: no runtime code.
 */
export type StockStatus = "critical" | "warning" | "ok" | "unknown";

export interface VariantStockAdvice {
  /** Shopify GID, e.g. gid://shopify/ProductVariant/123 */
  variantId: string;
  title: string;
  sku: string | null;
  available: number;
  /** Days the available stock lasts at forecast demand; null when demand is ~0. */
  daysOfCover: number | null;
  /** First day (shop time zone, YYYY-MM-DD) the projected stock reaches zero within the horizon, else null. */
  stockoutDate: string | null;
  reorderPoint: number;
  /** Suggested order quantity now (0 = nothing to order). */
  reorderQuantity: number;
  status: StockStatus;
  /** Units sold per week over the last 8 weeks, oldest first. */
  weeklyUnits: number[];
}

export interface StockAdviceResponse {
  productId: string;
  generatedAt: string;
  variants: VariantStockAdvice[];
}
