import { describe, expect, it } from "vitest";
import { evaluate, maseScale } from "~/forecasting/index";

describe("backtest metrics", () => {
  it("acc_total, 1 − WAPE, bias, MASE and coverage on a hand-computed example", () => {
    const history = [0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2]; // seasonal-naive MAE = 2
    expect(maseScale(history)).toBe(2);
    const m = evaluate([
      { actual: [4, 0], forecast: [2, 2], lo80: [1, 0], hi80: [3, 3], lo95: [0, 0], hi95: [5, 5], history },
      { actual: [6, NaN], forecast: [3, 100], lo80: [0, 0], hi80: [9, 9], lo95: [0, 0], hi95: [9, 9], history },
    ]);
    // totals: |4−4| + |3−6| = 3 over ΣA = 10; daily |2−4|+|2−0|+|3−6| = 7; signed 0 + (−3).
    expect(m.accTotal).toBeCloseTo(0.7, 12);
    expect(m.accDaily).toBeCloseTo(0.3, 12);
    expect(m.bias).toBeCloseTo(-0.3, 12);
    expect(m.mase).toBeCloseTo((2 / 2 + 3 / 2) / 2, 12);
    expect(m.coverage80).toBeCloseTo(2 / 3, 12);
    expect(m.coverage95).toBe(1);
  });
});
