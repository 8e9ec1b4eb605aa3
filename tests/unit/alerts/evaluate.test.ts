/** The rule evaluation: each rule type at its thresholds, scope filters, one finding per family, the shop-wide rule. */
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../app/alerts/evaluate";
import { SEVERITY, episodeKey, type AlertFinding, type AlertSubject } from "../../../app/alerts/model";
import type { AlertRule } from "../../../app/alerts/rules";
import { addDays } from "../../../app/forecasting";
import { AS_OF, SHOP, context, outOfStock, rule, subject } from "./fixtures";

/** The severity the rules give the row in its family ("stock" unless said), or 0 when nothing fires. */
function severity(rules: AlertRule[], row: AlertSubject, family: AlertFinding["family"] = "stock"): number {
  return evaluate(rules, [row], context()).find((f) => f.family === family)?.severity ?? 0;
}

const day = (n: number) => addDays(AS_OF, n);

describe("out_of_stock", () => {
  const oos = [rule({ type: "out_of_stock" })];

  it("fires, most severe, for a variant with no stock and demand", () => {
    expect(severity(oos, outOfStock())).toBe(SEVERITY.outOfStock);
    expect(severity(oos, outOfStock({ available: -3 }))).toBe(SEVERITY.outOfStock);
    // Demand seen only as lost sales (the forecast mean is censored to 0) still counts.
    expect(severity(oos, outOfStock({ dailyMean: 0 }))).toBe(SEVERITY.outOfStock);
  });

  it("does not fire with stock, or for a variant nobody buys", () => {
    expect(severity(oos, outOfStock({ available: 1, risk: "ok" }))).toBe(0);
    expect(severity(oos, outOfStock({ risk: "no_data" }))).toBe(0);
    expect(severity(oos, subject({ available: 0, dailyMean: 0, risk: "ok", lostUnitsPerDay: 0 }))).toBe(0);
  });

  it("respects the minimum lost revenue per day", () => {
    const min = [rule({ type: "out_of_stock", minLostRevenuePerDay: 40 })];
    expect(severity(min, outOfStock({ lostRevenuePerDay: 40 }))).toBe(SEVERITY.outOfStock);
    expect(severity(min, outOfStock({ lostRevenuePerDay: 39.99 }))).toBe(0);
  });
});

describe("stockout_predicted", () => {
  const within = (withinDays: number | string) => [rule({ type: "stockout_predicted", withinDays })];

  it("fires within 7, 14 or 30 days, inclusive, with severity by distance", () => {
    expect(severity(within(7), subject({ stockoutDate: day(1) }))).toBe(SEVERITY.stockoutWithin7);
    expect(severity(within(7), subject({ stockoutDate: day(7) }))).toBe(SEVERITY.stockoutWithin7);
    expect(severity(within(7), subject({ stockoutDate: day(8) }))).toBe(0);
    expect(severity(within(14), subject({ stockoutDate: day(8) }))).toBe(SEVERITY.stockoutWithin14);
    expect(severity(within(14), subject({ stockoutDate: day(14) }))).toBe(SEVERITY.stockoutWithin14);
    expect(severity(within(14), subject({ stockoutDate: day(15) }))).toBe(0);
    expect(severity(within(30), subject({ stockoutDate: day(3) }))).toBe(SEVERITY.stockoutWithin7);
    expect(severity(within(30), subject({ stockoutDate: day(30) }))).toBe(SEVERITY.stockoutLater);
    expect(severity(within(30), subject({ stockoutDate: day(31) }))).toBe(0);
  });

  it("within lead time: up to the variant's lead time rounded up, as the advice's stockout risk", () => {
    expect(severity(within("lead_time"), subject({ leadTimeDays: 10, stockoutDate: day(10) }))).toBe(SEVERITY.stockoutWithin14);
    expect(severity(within("lead_time"), subject({ leadTimeDays: 10, stockoutDate: day(11) }))).toBe(0);
    expect(severity(within("lead_time"), subject({ leadTimeDays: 10.2, stockoutDate: day(11) }))).toBe(SEVERITY.stockoutWithin14);
    expect(severity(within("lead_time"), subject({ leadTimeDays: 45, stockoutDate: day(40) }))).toBe(SEVERITY.stockoutLater);
    expect(severity(within("lead_time"), subject({ leadTimeDays: 0, stockoutDate: day(1) }))).toBe(0);
  });

  it("does not fire without a projected stockout, when already out of stock, or without demand", () => {
    expect(severity(within(30), subject({ stockoutDate: null }))).toBe(0);
    expect(severity(within(30), subject({ available: 0, stockoutDate: day(1) }))).toBe(0);
    expect(severity(within(30), subject({ risk: "no_data", stockoutDate: day(1) }))).toBe(0);
  });
});

describe("reorder_point", () => {
  const rop = [rule({ type: "reorder_point" })];

  it("fires at or below the reorder point", () => {
    expect(severity(rop, subject({ available: 40 }))).toBe(SEVERITY.reorderPoint);
    expect(severity(rop, subject({ available: 12 }))).toBe(SEVERITY.reorderPoint);
    expect(severity(rop, subject({ available: 41 }))).toBe(0);
  });

  it("does not fire for a variant without demand", () => {
    expect(severity(rop, subject({ available: 0, reorderPoint: 0, dailyMean: 0, risk: "dead" }))).toBe(0);
  });
});

describe("low_stock", () => {
  it("fires below N units (strictly)", () => {
    const units = [rule({ type: "low_stock", belowUnits: 5 })];
    expect(severity(units, subject({ available: 4 }))).toBe(SEVERITY.lowStock);
    expect(severity(units, subject({ available: 5 }))).toBe(0);
  });

  it("fires below N days of cover (strictly), never on unknown cover", () => {
    const cover = [rule({ type: "low_stock", belowUnits: null, belowDaysOfCover: 7 })];
    expect(severity(cover, subject({ daysOfCover: 6.9 }))).toBe(SEVERITY.lowStock);
    expect(severity(cover, subject({ daysOfCover: 7 }))).toBe(0);
    expect(severity(cover, subject({ daysOfCover: null }))).toBe(0);
  });

  it("fires on either threshold when both are set", () => {
    const both = [rule({ type: "low_stock", belowUnits: 5, belowDaysOfCover: 7 })];
    expect(severity(both, subject({ available: 50, daysOfCover: 3 }))).toBe(SEVERITY.lowStock);
    expect(severity(both, subject({ available: 3, daysOfCover: 30 }))).toBe(SEVERITY.lowStock);
    expect(severity(both, subject({ available: 50, daysOfCover: 30 }))).toBe(0);
  });

  it("does not fire for a variant nobody buys", () => {
    expect(severity([rule({ type: "low_stock", belowUnits: 5 })], subject({ available: 2, dailyMean: 0, risk: "dead" }))).toBe(0);
  });
});

describe("dead_stock", () => {
  const dead = (noSaleForDays: number, minStockValue = 100) => [rule({ type: "dead_stock", noSaleForDays, minStockValue })];
  const stale = (daysAgo: number, over: Partial<AlertSubject> = {}) =>
    subject({ lastSaleDay: day(-daysAgo), dailyMean: 0, risk: "dead", stockValue: 500, ...over });

  it("fires after N days without a sale, with severity by age", () => {
    expect(severity(dead(90), stale(90), "dead_stock")).toBe(SEVERITY.deadStock90);
    expect(severity(dead(90), stale(89), "dead_stock")).toBe(0);
    expect(severity(dead(90), stale(180), "dead_stock")).toBe(SEVERITY.deadStock180);
    expect(severity(dead(180), stale(179), "dead_stock")).toBe(0);
    expect(severity(dead(180), stale(364), "dead_stock")).toBe(SEVERITY.deadStock180);
    expect(severity(dead(365), stale(365), "dead_stock")).toBe(SEVERITY.deadStock365);
    expect(severity(dead(365), stale(364), "dead_stock")).toBe(0);
  });

  it("needs stock worth more than the minimum", () => {
    expect(severity(dead(90), stale(120, { stockValue: 100 }), "dead_stock")).toBe(0);
    expect(severity(dead(90), stale(120, { stockValue: 100.01 }), "dead_stock")).toBe(SEVERITY.deadStock90);
    expect(severity(dead(90, 0), stale(120, { available: 0, stockValue: 0 }), "dead_stock")).toBe(0);
  });

  it("leaves out a variant that never sold in the run's history (it may be new)", () => {
    expect(severity(dead(90, 0), subject({ lastSaleDay: null, risk: "no_data" }), "dead_stock")).toBe(0);
  });

  it("reports the days since the last sale", () => {
    const [finding] = evaluate(dead(90), [stale(200)], context());
    expect(finding).toMatchObject({ family: "dead_stock", type: "dead_stock", daysSinceLastSale: 200 });
  });
});

describe("forecast_failed", () => {
  const failure = { runId: "run-1", failedAt: "2026-03-02T02:10:00.000Z", error: "worker crashed", consecutiveFailures: 1 };

  it("gives one shop-wide finding when the latest run failed, escalating after 3 failures in a row", () => {
    const rules = [rule({ type: "forecast_failed" })];
    const findings = evaluate(rules, [subject()], context({ forecastFailure: failure }));
    expect(findings).toEqual([
      {
        key: episodeKey({ shopId: SHOP, family: "forecast_failed", variantId: null, locationId: null }),
        shopId: SHOP,
        family: "forecast_failed",
        variantId: null,
        locationId: null,
        type: "forecast_failed",
        ruleId: "forecast_failed",
        severity: SEVERITY.forecastFailed,
        frequency: "immediate",
        failure,
      },
    ]);
    const repeated = evaluate(rules, [], context({ forecastFailure: { ...failure, consecutiveFailures: 3 } }));
    expect(repeated[0]?.severity).toBe(SEVERITY.forecastFailedRepeatedly);
  });

  it("says nothing when the run succeeded or the rule is off", () => {
    expect(evaluate([rule({ type: "forecast_failed" })], [], context())).toEqual([]);
    expect(evaluate([rule({ type: "forecast_failed", enabled: false })], [], context({ forecastFailure: failure }))).toEqual([]);
  });
});

describe("one finding per family", () => {
  it("keeps the most severe stock rule: out of stock below its reorder point and low is one out-of-stock finding", () => {
    const rules = [rule({ type: "low_stock", belowUnits: 5 }), rule({ type: "reorder_point" }), rule({ type: "out_of_stock" })];
    const findings = evaluate(rules, [outOfStock()], context());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ family: "stock", type: "out_of_stock", severity: SEVERITY.outOfStock, frequency: "immediate" });
  });

  it("reports stock trouble and dead stock of one row separately", () => {
    const rules = [rule({ type: "dead_stock", noSaleForDays: 90, minStockValue: 0 }), rule({ type: "low_stock", belowUnits: 500 })];
    const row = subject({ lastSaleDay: day(-100), dailyMean: 0.01 });
    expect(evaluate(rules, [row], context()).map((f) => f.family)).toEqual(["stock", "dead_stock"]);
  });

  it("breaks severity ties by the more urgent frequency, then by rule order", () => {
    const weekly = rule({ id: "weekly", type: "reorder_point", frequency: "weekly" });
    const daily = rule({ id: "daily", type: "reorder_point", frequency: "daily" });
    const daily2 = rule({ id: "daily2", type: "reorder_point", frequency: "daily" });
    const row = subject({ available: 10 });
    expect(evaluate([weekly, daily, daily2], [row], context())[0]?.ruleId).toBe("daily");
    expect(evaluate([daily2, daily], [row], context())[0]?.ruleId).toBe("daily2");
  });

  it("ignores disabled rules", () => {
    expect(evaluate([rule({ type: "out_of_stock", enabled: false })], [outOfStock()], context())).toEqual([]);
  });

  it("describes the finding: key, subject, days until the stockout", () => {
    const row = subject({ stockoutDate: day(5), variantId: "42", locationId: "0" });
    const [finding] = evaluate([rule({ type: "stockout_predicted", withinDays: 7 })], [row], context());
    expect(finding).toMatchObject({
      key: `${SHOP}|stock|42|0`,
      shopId: SHOP,
      variantId: "42",
      locationId: "0",
      ruleId: "stockout_predicted",
      daysUntilStockout: 5,
      daysSinceLastSale: 1,
    });
    expect(finding?.family === "stock" && finding.subject).toBe(row);
  });

  it("refuses an invalid day", () => {
    expect(() => evaluate([], [], context({ asOf: "2026-02-30" }))).toThrow(RangeError);
  });
});

describe("scope", () => {
  const rows = [
    outOfStock({ variantId: "1", vendor: "Acme", productType: "Shirts", abcClass: "A" }),
    outOfStock({ variantId: "2", vendor: "Bolt", productType: "Shirts", abcClass: "B" }),
    outOfStock({ variantId: "3", vendor: "Acme", productType: "Hats", abcClass: "C" }),
  ];
  const fired = (scope: Record<string, unknown>, input: AlertSubject[] = rows) =>
    evaluate([rule({ type: "out_of_stock", scope })], input, context()).map((f) => `${f.variantId}@${f.locationId}`);

  it("empty lists mean every variant", () => {
    expect(fired({})).toEqual(["1@0", "2@0", "3@0"]);
  });

  it("filters by vendor, product type and ABC class, all of them together", () => {
    expect(fired({ vendors: ["Acme"] })).toEqual(["1@0", "3@0"]);
    expect(fired({ productTypes: ["Shirts"] })).toEqual(["1@0", "2@0"]);
    expect(fired({ abcClasses: ["B", "C"] })).toEqual(["2@0", "3@0"]);
    expect(fired({ vendors: ["Acme"], productTypes: ["Shirts"] })).toEqual(["1@0"]);
    expect(fired({ vendors: ["acme"] })).toEqual([]);
  });

  it("no locations = all counted locations together (row 0); listed ids = each of those locations", () => {
    const perLocation = [outOfStock({ locationId: "0" }), outOfStock({ locationId: "71" }), outOfStock({ locationId: "72" })];
    expect(fired({}, perLocation)).toEqual(["1001@0"]);
    expect(fired({ locationIds: ["72"] }, perLocation)).toEqual(["1001@72"]);
    expect(fired({ locationIds: ["0", "71"] }, perLocation)).toEqual(["1001@0", "1001@71"]);
  });
});
