import { describe, expect, it } from "vitest";
import {
  buildChartRows,
  hasStockLine,
  integerTicks,
  isChartRange,
  outOfStockSpan,
  rankCandidates,
  summarise,
  unitsAxisMax,
} from "../../../app/dashboard/chart-data";
import { forecastDetail } from "./fixtures";

describe("forecast chart data", () => {
  it("puts history then forecast on one row per day, bands clipped at zero", () => {
    const rows = buildChartRows(forecastDetail(), "all", 12);
    expect(rows).toHaveLength(15);
    expect(rows[0]).toMatchObject({ day: "2026-02-20", sales: 0, forecast: null, band80: null, stock: null });
    expect(rows[9]).toMatchObject({ day: "2026-03-01", sales: 0, stock: 12 });
    expect(rows[10]).toMatchObject({ day: "2026-03-02", sales: null, forecast: 2, band80: [1, 3], band95: [0, 4], stock: 8 });
    expect(rows[11]?.forecast).toBe(2.12);
    expect(rows.filter((row) => row.outOfStock).map((row) => row.day)).toEqual(["2026-02-24"]);
  });

  it("limits the history to the chosen window and keeps the whole forecast", () => {
    const rows = buildChartRows(forecastDetail(), "30");
    expect(rows).toHaveLength(15);
    const week = buildChartRows(forecastDetail({ history: forecastDetail().history }), "all").slice(0, 3);
    expect(week.map((row) => row.day)).toEqual(["2026-02-20", "2026-02-21", "2026-02-22"]);
    const detail = forecastDetail();
    const longAgo = { ...detail, history: [{ day: "2025-01-01", units: 9, inStock: true }, ...detail.history] };
    expect(buildChartRows(longAgo, "90")[0]?.day).toBe("2026-02-20");
    expect(buildChartRows(longAgo, "all")[0]?.day).toBe("2025-01-01");
  });

  it("never draws a negative projected stock", () => {
    const detail = forecastDetail({ projectedStock: [{ day: "2026-03-02", units: -3 }] });
    expect(buildChartRows(detail, "all").find((row) => row.day === "2026-03-02")?.stock).toBe(0);
  });

  it("ranks candidate models, best first, without non-finite scores", () => {
    const ranked = rankCandidates(forecastDetail().candidateScores, "ets");
    expect(ranked.map((candidate) => candidate.model)).toEqual(["ets", "croston", "naive"]);
    expect(ranked[0]).toMatchObject({ chosen: true, relative: 1 });
    expect(ranked[2]?.relative).toBeCloseTo(1.5);
    expect(rankCandidates({}, "ets")).toEqual([]);
  });

  it("sums the visible window", () => {
    expect(summarise(buildChartRows(forecastDetail(), "all"))).toEqual({ sold: 9, forecast: 11.23, outOfStockDays: 1 });
  });

  it("knows its ranges", () => {
    expect(isChartRange("90")).toBe(true);
    expect(isChartRange("7")).toBe(false);
    expect(isChartRange(null)).toBe(false);
  });
});

describe("demand axis", () => {
  it("fits sales and the 80 % band, not the 95 % band", () => {
    const detail = forecastDetail();
    const wide = { ...detail, forecast: detail.forecast.map((point) => ({ ...point, hi95: 2000 })) };
    expect(unitsAxisMax(buildChartRows(wide, "all"))).toBe(4);
    expect(unitsAxisMax([])).toBe(1);
  });
});

describe("integer unit axes", () => {
  const salesRow = (sales: number) => ({ ...buildChartRows(forecastDetail(), "all")[0]!, sales });

  it("tops the demand axis at a whole number, even for fractional demand", () => {
    expect(unitsAxisMax([salesRow(0.3)])).toBe(1);
    expect(unitsAxisMax([salesRow(1.3)])).toBe(2);
    expect(unitsAxisMax([salesRow(12)])).toBe(15);
    expect(unitsAxisMax([salesRow(40)])).toBe(50);
    for (const sales of [0.2, 0.8, 1.3, 2.2, 7, 13, 44, 180, 2345]) {
      const max = unitsAxisMax([salesRow(sales)]);
      expect(Number.isInteger(max)).toBe(true);
      expect(max).toBeGreaterThanOrEqual(sales);
      expect(integerTicks(max).at(-1)).toBe(max);
    }
  });

  it("ticks whole units only, at most six of them", () => {
    expect(integerTicks(1)).toEqual([0, 1]);
    expect(integerTicks(2)).toEqual([0, 1, 2]);
    expect(integerTicks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(integerTicks(15)).toEqual([0, 5, 10, 15]);
    expect(integerTicks(50)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(integerTicks(0)).toEqual([0]);
    for (const max of [1, 3, 7, 12, 25, 99, 130, 1000]) {
      const ticks = integerTicks(max);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(ticks.length).toBeLessThanOrEqual(6);
    }
  });

  it("hides the stock line when it carries nothing", () => {
    expect(hasStockLine(buildChartRows(forecastDetail(), "all", 12))).toBe(true);
    const empty = forecastDetail({ projectedStock: forecastDetail().projectedStock.map((point) => ({ ...point, units: 0 })) });
    expect(hasStockLine(buildChartRows(empty, "all", 0))).toBe(false);
    expect(hasStockLine(buildChartRows(forecastDetail({ projectedStock: [] }), "all"))).toBe(false);
  });
});

describe("the current stockout's shading", () => {
  // Ten days of history to 2026-03-01; out of stock since 2026-02-26 (the last four days).
  const out = forecastDetail({ outOfStock: { since: "2026-02-26", sinceEstimated: true } });

  it("shades since → asOf on the history, marks those days out of stock, and says whether the start is estimated", () => {
    const rows = buildChartRows(out, "all", 0);
    expect(outOfStockSpan(rows, out.outOfStock)).toEqual({ from: "2026-02-26", to: "2026-03-01", estimated: true });
    expect(rows.filter((row) => row.outOfStock).map((row) => row.day)).toEqual([
      "2026-02-24", // flagged by the stock history
      "2026-02-26",
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
    ]);
    expect(rows.filter((row) => row.forecast !== null).every((row) => !row.outOfStock)).toBe(true);
    expect(summarise(rows).outOfStockDays).toBe(5);
    const known = forecastDetail({ outOfStock: { since: "2026-02-26", sinceEstimated: false } });
    expect(outOfStockSpan(buildChartRows(known, "all"), known.outOfStock)?.estimated).toBe(false);
  });

  it("starts the shading at the window's first day when the stockout began before it", () => {
    const long = forecastDetail({ outOfStock: { since: "2025-11-01", sinceEstimated: true } });
    expect(outOfStockSpan(buildChartRows(long, "all"), long.outOfStock)).toEqual({ from: "2026-02-20", to: "2026-03-01", estimated: true });
  });

  it("shades nothing in stock, or when it ran out only today", () => {
    expect(outOfStockSpan(buildChartRows(forecastDetail(), "all"), null)).toBeNull();
    const today = forecastDetail({ outOfStock: { since: "2026-03-02", sinceEstimated: true } });
    const rows = buildChartRows(today, "all");
    expect(outOfStockSpan(rows, today.outOfStock)).toBeNull();
    expect(rows.filter((row) => row.outOfStock).map((row) => row.day)).toEqual(["2026-02-24"]);
  });
});
