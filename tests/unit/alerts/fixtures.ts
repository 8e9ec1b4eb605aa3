/** Shared inputs of the alerts engine's tests: one healthy advice row to vary, rules parsed from partial input. */
import { AlertRule } from "../../../app/alerts/rules";
import type { AlertSubject, EvaluationContext } from "../../../app/alerts/model";

export const SHOP = "7b0f5f8e-4a52-4f0c-9d7e-2f1f6c1d0a01";
export const AS_OF = "2026-03-01";

/** In stock, selling 2 a day, 50 days of cover, well above its reorder point, sold yesterday. */
export function subject(over: Partial<AlertSubject> = {}): AlertSubject {
  return {
    variantId: "1001",
    productId: "501",
    locationId: "0",
    productTitle: "Linen shirt",
    variantTitle: "M / Blue",
    sku: "LS-M-BL",
    vendor: "Acme",
    productType: "Shirts",
    abcClass: "A",
    price: 20,
    available: 100,
    dailyMean: 2,
    daysOfCover: 50,
    stockoutDate: "2026-04-20",
    reorderPoint: 40,
    reorderQty: 0,
    leadTimeDays: 14,
    risk: "ok",
    lastSaleDay: "2026-02-28",
    stockValue: 2000,
    outOfStockSince: null,
    sinceEstimated: false,
    lostUnitsPerDay: 0,
    lostUnitsToDate: 0,
    lostRevenuePerDay: 0,
    lostRevenueToDate: 0,
    ...over,
  };
}

/** Out of stock since a week, losing 2 units (40.00) a day. */
export function outOfStock(over: Partial<AlertSubject> = {}): AlertSubject {
  return subject({
    available: 0,
    daysOfCover: 0,
    stockoutDate: null,
    risk: "out_of_stock",
    stockValue: 0,
    outOfStockSince: "2026-02-23",
    lostUnitsPerDay: 2,
    lostUnitsToDate: 14,
    lostRevenuePerDay: 40,
    lostRevenueToDate: 280,
    ...over,
  });
}

export function rule(input: Record<string, unknown>): AlertRule {
  return AlertRule.parse({ id: String(input.type), ...input });
}

export function context(over: Partial<EvaluationContext> = {}): EvaluationContext {
  return { shopId: SHOP, asOf: AS_OF, forecastFailure: null, ...over };
}
