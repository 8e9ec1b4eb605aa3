/** The pure parts of the forecast runs: advice (projection + policy), run accuracy sums, CSV cells, API helpers. */
import { describe, expect, it } from "vitest";
import { addEvalSeries, emptyEvalSums } from "../../../app/forecasting/metrics";
import { mergeSums, summarize } from "../../../app/forecasts/accuracy";
import { leadTimeFor, locationShares, policy, projection, riskOf, type PolicyInput } from "../../../app/forecasts/advice";
import { evaluate } from "../../../app/forecasting/metrics";
import { projectStock, reorderPoint, safetyStock, zForServiceLevel } from "../../../app/forecasting/inventory";
import { prng } from "../../support/random";

const settings = { serviceLevel: 0.95, reviewPeriodDays: 7, orderCost: 25, holdingCostRate: 0.25 };
const base: PolicyInput = {
  asOf: "2026-03-01",
  available: 100,
  price: 10,
  dailyMean: 2,
  dailySd: 1,
  stockoutDate: null,
  lastSaleDay: "2026-02-28",
  noHistory: false,
  leadTimeDays: 14,
  leadTimeSdDays: 3,
};

describe("projection", () => {
  it("walks the stock like projectStock, scaled by the location's share", () => {
    const rand = prng(5);
    for (let k = 0; k < 50; k++) {
      const forecast = Array.from({ length: 90 }, () => rand() * 3);
      const available = Math.floor(rand() * 200);
      const share = rand();
      const p = projection({ forecast, start: "2026-03-02", dailyMean: 1.5, dailySd: 1, share, available });
      const ref = projectStock(
        available,
        forecast.map((f) => f * share),
        "2026-03-02",
      );
      expect(p.stockoutDate).toBe(ref.stockoutDate);
      expect(p.daysOfCover).toBeCloseTo(ref.daysOfCover, 9);
      expect(p.dailyMean).toBeCloseTo(1.5 * share, 12);
    }
  });

  it("has no cover or stockout when demand is ~0", () => {
    expect(projection({ forecast: [0, 0], start: "2026-01-01", dailyMean: 0, dailySd: 0, share: 1, available: 3 })).toEqual({
      dailyMean: 0,
      dailySd: 0,
      daysOfCover: null,
      stockoutDate: null,
    });
  });

  it("splits by last-90-day units, equally when nothing sold", () => {
    expect([
      ...locationShares(
        new Map([
          ["a", 30],
          ["b", 10],
        ]),
      ),
    ]).toEqual([
      ["a", 0.75],
      ["b", 0.25],
    ]);
    expect([
      ...locationShares(
        new Map([
          ["a", 0],
          ["b", 0],
        ]),
      ),
    ]).toEqual([
      ["a", 0.5],
      ["b", 0.5],
    ]);
  });
});

describe("policy", () => {
  it("uses the textbook formulas and orders up to S (or EOQ) at the reorder point", () => {
    const z = zForServiceLevel(0.95);
    const ss = safetyStock(z, 14, 1, 2, 3);
    const atRop = { ...base, available: Math.floor(reorderPoint(2, 14, ss)) };
    const p = policy(atRop, settings);
    expect(p.safetyStock).toBeCloseTo(ss, 12);
    expect(p.reorderPoint).toBeCloseTo(28 + ss, 12);
    expect(p.eoq).toBeCloseTo(Math.sqrt((2 * 2 * 365 * 25) / 2.5), 9);
    expect(p.reorderQty).toBe(Math.ceil(Math.max(p.orderUpTo - atRop.available, p.eoq)));
    expect(p.risk).toBe("reorder");
    expect(policy(base, settings).reorderQty).toBe(0);
    expect(policy({ ...base, price: 0 }, settings).eoq).toBe(0);
  });

  it("ranks risk: no_data, stockout within lead time, dead, reorder, ok", () => {
    expect(riskOf({ ...base, noHistory: true, lastSaleDay: null }, 14, 40)).toBe("no_data");
    expect(riskOf({ ...base, stockoutDate: "2026-03-15" }, 14, 40)).toBe("stockout");
    expect(riskOf({ ...base, stockoutDate: "2026-03-16" }, 14, 40)).toBe("ok");
    // The 90 days are 2025-12-02 … 2026-03-01.
    expect(riskOf({ ...base, lastSaleDay: "2025-12-01" }, 14, 40)).toBe("dead");
    expect(riskOf({ ...base, lastSaleDay: "2025-12-02" }, 14, 40)).toBe("ok");
    expect(riskOf({ ...base, available: 0, lastSaleDay: "2025-01-01" }, 14, 40)).toBe("reorder");
    expect(riskOf({ ...base, available: 40 }, 14, 40)).toBe("reorder");
  });

  it("takes the product's lead time, else its vendor's, else the shop's", () => {
    const lt = {
      shop: { leadTimeDays: 14, leadTimeSdDays: 3 },
      vendors: new Map([["Acme", { leadTimeDays: 30, leadTimeSdDays: 5 }]]),
      products: new Map([["7", { leadTimeDays: 2, leadTimeSdDays: 0 }]]),
    };
    expect(leadTimeFor(lt, "7", "Acme").leadTimeDays).toBe(2);
    expect(leadTimeFor(lt, "8", "Acme").leadTimeDays).toBe(30);
    expect(leadTimeFor(lt, "8", "Other").leadTimeDays).toBe(14);
  });
});

describe("run accuracy", () => {
  it("merges per-batch sums into the same figures as evaluate() over all series", () => {
    const rand = prng(9);
    const series = Array.from({ length: 30 }, () => {
      const actual = Array.from({ length: 28 }, () => (rand() < 0.1 ? NaN : Math.floor(rand() * 5)));
      const forecast = Array.from({ length: 28 }, () => rand() * 4);
      return {
        actual,
        forecast,
        lo80: forecast.map((f) => f * 0.5),
        hi80: forecast.map((f) => f * 1.5),
        lo95: forecast.map((f) => f * 0.2),
        hi95: forecast.map((f) => f * 2),
        history: Array.from({ length: 60 }, () => Math.floor(rand() * 5)),
      };
    });
    const a = emptyEvalSums();
    const b = emptyEvalSums();
    series.forEach((s, i) => addEvalSeries(i < 12 ? a : b, s));
    const merged = summarize(mergeSums([a, b]));
    const ref = evaluate(series);
    expect(merged.accTotal).toBeCloseTo(ref.accTotal, 12);
    expect(1 - merged.wape!).toBeCloseTo(ref.accDaily, 12);
    expect(merged.bias).toBeCloseTo(ref.bias, 12);
    expect(merged.mase).toBeCloseTo(ref.mase, 12);
    expect(merged.coverage80).toBeCloseTo(ref.coverage80, 12);
    expect(merged.coverage95).toBeCloseTo(ref.coverage95, 12);
    expect(merged.series).toBe(30);
    expect(summarize(emptyEvalSums())).toEqual({
      accTotal: null,
      mase: null,
      wape: null,
      bias: null,
      coverage80: null,
      coverage95: null,
      series: 0,
    });
  });
});
