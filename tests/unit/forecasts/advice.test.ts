/** The pure parts of the forecast runs: advice (projection + policy, out of stock), the list's order, run accuracy sums. */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { addEvalSeries, emptyEvalSums } from "../../../app/forecasting/metrics";
import { mergeSums, summarize } from "../../../app/forecasts/accuracy";
import {
  demandLevel,
  leadTimeFor,
  locationShares,
  outOfStock,
  policy,
  projection,
  riskOf,
  stockoutStart,
  type PolicyInput,
} from "../../../app/forecasts/advice";
import { RISKS, VariantListQuery } from "../../../app/forecasts/contract";
import { orderBy, RISK_RANK } from "../../../app/forecasts/list-sql";
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
  outOfStock: false,
  leadTimeDays: 14,
  leadTimeSdDays: 3,
};

describe("projection", () => {
  it("walks the stock like projectStock, scaled by the location's share", () => {
    const rand = prng(5);
    for (let k = 0; k < 50; k++) {
      const forecast = Array.from({ length: 90 }, () => rand() * 3);
      const available = 1 + Math.floor(rand() * 200);
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

  it("has no days of cover and no projected stockout with nothing on hand: it is out already", () => {
    for (const available of [0, -4])
      expect(projection({ forecast: [2, 2, 2], start: "2026-03-02", dailyMean: 2, dailySd: 1, share: 0.5, available })).toEqual({
        dailyMean: 1,
        dailySd: 0.5,
        daysOfCover: 0,
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

  it("ranks risk: no_data, out_of_stock, stockout within lead time, dead, reorder, ok", () => {
    expect(riskOf({ ...base, noHistory: true, lastSaleDay: null }, 14, 40)).toBe("no_data");
    expect(riskOf({ ...base, available: 0, outOfStock: true }, 14, 40)).toBe("out_of_stock");
    // Out of stock wins over a stale stockout date and over the reorder point.
    expect(riskOf({ ...base, available: 0, outOfStock: true, stockoutDate: "2026-03-02", lastSaleDay: "2025-01-01" }, 14, 40)).toBe(
      "out_of_stock",
    );
    expect(riskOf({ ...base, stockoutDate: "2026-03-15" }, 14, 40)).toBe("stockout");
    expect(riskOf({ ...base, stockoutDate: "2026-03-16" }, 14, 40)).toBe("ok");
    // The 90 days are 2025-12-02 … 2026-03-01.
    expect(riskOf({ ...base, lastSaleDay: "2025-12-01" }, 14, 40)).toBe("dead");
    expect(riskOf({ ...base, lastSaleDay: "2025-12-02" }, 14, 40)).toBe("ok");
    expect(riskOf({ ...base, available: 0, lastSaleDay: "2025-01-01" }, 14, 40)).toBe("reorder");
    expect(riskOf({ ...base, available: 40 }, 14, 40)).toBe("reorder");
  });

  it("still suggests refilling an out-of-stock variant up to its order-up-to level, from the censored demand", () => {
    const out = policy({ ...base, available: 0, outOfStock: true, dailyMean: 6, dailySd: 3 }, settings);
    expect(out.risk).toBe("out_of_stock");
    expect(out.reorderQty).toBe(Math.ceil(Math.max(out.orderUpTo, out.eoq)));
    expect(out.reorderQty).toBeGreaterThan(6 * 21);
    // Backordered units (negative stock) are ordered on top of the order-up-to level (no EOQ without a price).
    const free = { ...base, price: 0, outOfStock: true, dailyMean: 6, dailySd: 3 };
    expect(policy({ ...free, available: -5 }, settings).reorderQty).toBe(policy({ ...free, available: 0 }, settings).reorderQty + 5);
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

describe("out of stock (decision 0039)", () => {
  const start = { since: "2026-02-20", sinceEstimated: true };
  const row = { asOf: "2026-03-01", available: 0, noHistory: false, demandPerDay: 6.5, price: 2.5, start };

  it("loses its demand every day since it ran out, in units and money", () => {
    expect(outOfStock(row)).toEqual({
      since: "2026-02-20",
      sinceEstimated: true,
      daysOut: 10, // 20 Feb through 1 Mar
      lostUnitsPerDay: 6.5,
      lostUnitsToDate: 65,
      lostRevenuePerDay: 16.25,
      lostRevenueToDate: 162.5,
    });
    expect(outOfStock({ ...row, available: -3 })?.lostUnitsToDate).toBe(65);
    // Out only from today (it sold yesterday): nothing lost yet.
    expect(outOfStock({ ...row, start: { since: "2026-03-02", sinceEstimated: true } })).toMatchObject({ daysOut: 0, lostUnitsToDate: 0 });
    // Revenue in cents.
    expect(outOfStock({ ...row, price: 0.333 })?.lostRevenuePerDay).toBe(2.16);
  });

  it("is not out of stock with stock on hand, with less than a unit a month of demand, or when it never sold", () => {
    expect(outOfStock({ ...row, available: 1 })).toBeNull();
    expect(outOfStock({ ...row, demandPerDay: 0 })).toBeNull();
    // Stopped selling long ago and at 0: gone, not losing sales.
    expect(outOfStock({ ...row, demandPerDay: 0.0002 })).toBeNull();
    expect(outOfStock({ ...row, demandPerDay: 0.03 })).toBeNull();
    expect(outOfStock({ ...row, demandPerDay: 1 / 28 })?.lostUnitsToDate).toBeCloseTo(10 / 28, 12);
    expect(outOfStock({ ...row, noHistory: true })).toBeNull();
  });

  it("starts when the core says for all locations, the day after a location's last sale there for one location", () => {
    const variant = { since: "2026-01-10", sinceEstimated: false };
    expect(stockoutStart({ asOf: "2026-03-01", variant, lastSaleDay: "2026-01-09" })).toEqual(variant);
    // Without the core's answer (a fallback forecast): the day after the last sale, estimated.
    expect(stockoutStart({ asOf: "2026-03-01", variant: null, lastSaleDay: "2026-02-14" })).toEqual({
      since: "2026-02-15",
      sinceEstimated: true,
    });
    // A location that stopped selling earlier than the variant ran out.
    expect(stockoutStart({ asOf: "2026-03-01", variant, lastSaleDay: "2026-01-09", location: { lastSaleDay: "2025-12-01" } })).toEqual({
      since: "2025-12-02",
      sinceEstimated: true,
    });
    // The same day as the variant's keeps the variant's (known) start; no sale there in the history: the variant's.
    expect(stockoutStart({ asOf: "2026-03-01", variant, lastSaleDay: "2026-01-09", location: { lastSaleDay: "2026-01-09" } })).toEqual(
      variant,
    );
    expect(stockoutStart({ asOf: "2026-03-01", variant, lastSaleDay: "2026-01-09", location: { lastSaleDay: null } })).toEqual(variant);
    // A location at 0 while the variant still has stock elsewhere, sold there yesterday: out from today.
    expect(
      stockoutStart({ asOf: "2026-03-01", variant: null, lastSaleDay: "2026-03-01", location: { lastSaleDay: "2026-03-01" } }),
    ).toEqual({ since: "2026-03-02", sinceEstimated: true });
  });

  it("per location: out of stock where that location has none and a share of the demand", () => {
    // A variant with stock at the warehouse (share 0.7) and none at the shop (share 0.3), level 10 a day.
    const at = (available: number, share: number) =>
      outOfStock({ ...row, available, demandPerDay: 10 * share, start: { since: "2026-02-25", sinceEstimated: true } });
    expect(at(40, 0.7)).toBeNull();
    expect(at(0, 0.3)).toMatchObject({ lostUnitsPerDay: 3, daysOut: 5, lostUnitsToDate: 15, lostRevenuePerDay: 7.5 });
    expect(at(0, 0)).toBeNull();
    // A location that takes a sliver of the demand loses nothing material there.
    expect(at(0, 0.001)).toBeNull();
  });

  it("takes a location's level from the forecast's first 28 days", () => {
    expect(demandLevel([...Array<number>(28).fill(2), ...Array<number>(62).fill(100)])).toBe(2);
    expect(demandLevel([1, 3, -1])).toBeCloseTo(4 / 3, 12);
    expect(demandLevel([])).toBe(0);
  });
});

describe("the list's default order", () => {
  it("ranks the risks in RISKS' order, out of stock first", () => {
    const ranks = [...RISK_RANK.matchAll(/WHEN '(\w+)' THEN (\d)/g)].map((m) => [m[1], Number(m[2])]);
    expect(ranks).toEqual(RISKS.slice(0, -1).map((risk, index) => [risk, index]));
    expect(RISK_RANK).toMatch(new RegExp(`ELSE ${RISKS.length - 1} END$`));
  });

  it("ranks out-of-stock rows by lost revenue, most first, then by stockout date and cover: the keys of the list's index", () => {
    const keys = (sql: string) =>
      sql
        .replace(/\b(ASC|DESC)\b/g, "")
        .replace(/\ba\./g, "")
        .replace(/\s+/g, " ")
        .replace(/ ,/g, ",")
        .trim();
    expect(keys(orderBy(VariantListQuery.parse({})))).toBe(
      keys(`${RISK_RANK}, (- "lostRevenuePerDay"), "stockoutDate", "daysOfCover", "variantId"`),
    );
    // The newest migration that creates VariantAdvice_list_risk_idx indexes exactly these expressions.
    const dir = "prisma/migrations";
    const sql = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .map((name) => `${dir}/${name}/migration.sql`)
      .map((file) => readFileSync(file, "utf8"))
      .filter((text) => text.includes(`CREATE INDEX "VariantAdvice_list_risk_idx"`))
      .at(-1)!;
    const indexed = /CREATE INDEX "VariantAdvice_list_risk_idx" ON "VariantAdvice" \(([\s\S]*?)\);/.exec(sql)![1]!;
    expect(keys(indexed)).toBe(
      keys(`"runId", "locationId", (${RISK_RANK}), (- "lostRevenuePerDay"), "stockoutDate", "daysOfCover", "variantId"`),
    );
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
