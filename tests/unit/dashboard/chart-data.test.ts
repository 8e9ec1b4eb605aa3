import { describe, expect, it } from "vitest";
import { buildChartRows, isChartRange, rankCandidates, summarise, unitsAxisMax } from "../../../app/dashboard/chart-data";
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
    expect(unitsAxisMax(buildChartRows(wide, "all"))).toBe(5);
    expect(unitsAxisMax([])).toBe(1);
  });
});
