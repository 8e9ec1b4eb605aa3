import { describe, expect, it } from "vitest";
import {
  abcClasses,
  daysOfCover,
  economicOrderQuantity,
  isDeadStock,
  orderUpToLevel,
  planInventory,
  projectStock,
  reorderPoint,
  safetyStock,
  xyzClass,
  zForServiceLevel,
  type ForecastResult,
} from "~/forecasting/index";

describe("inventory formulas (hand-computed)", () => {
  it("safety stock z·√(L·σd² + d̄²·σL²)", () => {
    // z = 1.65, L = 9, σd = 4, d̄ = 10, σL = 2: √(9·16 + 100·4) = √544 = 23.3238…
    expect(safetyStock(1.65, 9, 4, 10, 2)).toBeCloseTo(1.65 * Math.sqrt(544), 10);
    expect(safetyStock(1.65, 9, 4, 10, 2)).toBeCloseTo(38.4843, 3);
    // Without lead-time variability: z·σd·√L = 2·3·4 = 24.
    expect(safetyStock(2, 16, 3, 50)).toBe(24);
  });
  it("reorder point, order-up-to level, EOQ, days of cover", () => {
    expect(reorderPoint(10, 9, 38.5)).toBe(128.5);
    // R = 7, L = 9: d̄·16 + z·√(16·σd²) = 160 + 2·4·4 = 192.
    expect(orderUpToLevel(2, 10, 4, 9, 7)).toBe(192);
    // √(2·1200·50/6) = √20000 = 141.42…
    expect(economicOrderQuantity(1200, 50, 6)).toBeCloseTo(141.421356, 5);
    expect(daysOfCover(45, 3)).toBe(15);
    expect(daysOfCover(45, 0)).toBe(Infinity);
    expect(zForServiceLevel(0.95)).toBeCloseTo(1.6449, 4);
  });
  it("projects the stockout day by day, with arrivals", () => {
    const f = [5, 5, 5, 5, 5, 5];
    const p = projectStock(12, f, "2025-01-01");
    expect(p.endOfDay).toEqual([7, 2, -3, -8, -13, -18]);
    expect(p.stockoutDate).toBe("2025-01-03");
    expect(p.daysOfCover).toBeCloseTo(2.4, 10);
    const q = projectStock(12, f, "2025-01-01", [{ date: "2025-01-03", units: 10 }]);
    expect(q.stockoutDate).toBe("2025-01-05");
    const r = projectStock(100, f, "2025-01-01");
    expect(r.stockoutDate).toBeNull();
    expect(r.daysOfCover).toBeCloseTo(20, 10);
  });
  it("dead stock, ABC and XYZ", () => {
    expect(isDeadStock(10, Array(90).fill(0), 0)).toBe(true);
    expect(isDeadStock(10, [...Array(89).fill(0), 1], 0.5)).toBe(false);
    expect(isDeadStock(1000, [...Array(89).fill(0), 1], 1)).toBe(true); // 1000 days of cover
    expect(isDeadStock(0, Array(90).fill(0), 0)).toBe(false);
    const abc = abcClasses([
      { id: "a", value: 700 },
      { id: "b", value: 200 },
      { id: "c", value: 60 },
      { id: "d", value: 40 },
    ]);
    expect(abc).toEqual({ a: "A", b: "A", c: "B", d: "C" });
    expect(xyzClass(Array(28).fill(3))).toBe("X");
    expect(xyzClass([...Array(7).fill(1), ...Array(7).fill(3), ...Array(7).fill(1), ...Array(7).fill(3)])).toBe("Y"); // cv = 0.577
    expect(xyzClass([...Array(21).fill(0), ...Array(7).fill(5)])).toBe("Z");
  });
  it("plans per variant and location from a forecast result", () => {
    const res = { id: "v1", start: "2025-01-01", forecast: Array(28).fill(10), dailyMean: 10, dailySd: 4 } as unknown as ForecastResult;
    const plan = planInventory(res, {
      locationId: "L1",
      onHand: 100,
      leadTimeDays: 9,
      leadTimeSdDays: 2,
      serviceLevel: 0.95,
      orderCost: 50,
      holdingCostPerUnitYear: 6,
    });
    const z = zForServiceLevel(0.95);
    expect(plan.safetyStock).toBeCloseTo(z * Math.sqrt(544), 8);
    expect(plan.reorderPoint).toBeCloseTo(90 + z * Math.sqrt(544), 8);
    expect(plan.stockoutDate).toBe("2025-01-11");
    expect(plan.daysOfCover).toBeCloseTo(10, 10);
    expect(plan.economicOrderQuantity).toBeCloseTo(Math.sqrt((2 * 3650 * 50) / 6), 8);
    expect(plan.suggestedOrder).toBeGreaterThan(0);
  });
});
