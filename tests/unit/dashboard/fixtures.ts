import type { VariantAdviceRow, VariantForecastDetail } from "../../../app/forecasts/contract";

export function adviceRow(change: Partial<VariantAdviceRow> = {}): VariantAdviceRow {
  return {
    variantId: "101",
    productId: "11",
    productTitle: "Heart mug",
    variantTitle: "Red",
    sku: "MUG-RED",
    vendor: "Acme",
    productType: "Mugs",
    locationId: "0",
    available: 12,
    dailyMean: 2,
    daysOfCover: 6,
    stockoutDate: "2026-03-07",
    leadTimeDays: 14,
    safetyStock: 5,
    reorderPoint: 33,
    orderUpTo: 47,
    eoq: 40,
    reorderQty: 35,
    risk: "stockout",
    abcClass: "A",
    xyzClass: "Y",
    lastSaleDay: "2026-03-01",
    stockValue: 96,
    outOfStockSince: null,
    sinceEstimated: false,
    lostUnitsPerDay: 0,
    lostUnitsToDate: 0,
    lostRevenuePerDay: 0,
    lostRevenueToDate: 0,
    ...change,
  };
}

/** Ten days of history to 2026-03-01, then five forecast days. */
export function forecastDetail(change: Partial<VariantForecastDetail> = {}): VariantForecastDetail {
  const history = Array.from({ length: 10 }, (_, index) => ({
    day: `2026-02-${String(20 + index).padStart(2, "0")}`.replace("2026-02-29", "2026-03-01"),
    units: index % 3,
    inStock: index === 4 ? false : true,
  }));
  const forecast = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"].map((day, index) => ({
    day,
    forecast: 2 + index * 0.1234,
    lo80: 1,
    hi80: 3,
    lo95: -0.5,
    hi95: 4,
  }));
  return {
    variantId: "101",
    runId: "run-1",
    asOf: "2026-03-01",
    model: "ets",
    demandClass: "smooth",
    coldStart: false,
    history,
    forecast,
    projectedStock: forecast.map((point, index) => ({ day: point.day, units: 10 - 2 * (index + 1) })),
    stockoutDate: "2026-03-06",
    outOfStock: null,
    backtest: { accTotal: 0.72, mae: 0.8, coverage80: 0.79, coverage95: 0.94 },
    candidateScores: { ets: 0.8, naive: 1.2, croston: 0.95, broken: Number.NaN },
    ensembleOf: [],
    outliers: [],
    anomalies: [],
    advice: [adviceRow()],
    ...change,
  };
}
