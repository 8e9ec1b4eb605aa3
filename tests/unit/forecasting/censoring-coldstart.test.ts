import { describe, expect, it } from "vitest";
import { forecastSeries } from "~/forecasting/index";
import { mean, weeklySeries } from "./helpers";

describe("stockout censoring", () => {
  it("does not read out-of-stock days as zero demand", () => {
    const base = weeklySeries(210, 20, 11);
    const values = Array.from(base.values);
    const inStock = values.map(() => 1);
    for (let i = 168; i < 210; i++) {
      values[i] = 0; // six weeks out of stock at the end
      inStock[i] = 0;
    }
    const censored = forecastSeries({ ...base, values, inStock }, { horizon: 28 });
    const naive = forecastSeries({ ...base, values }, { horizon: 28 });
    expect(censored.censoredDays).toBe(42);
    expect(mean(censored.forecast)).toBeGreaterThan(14); // true mean ≈ 20 × 6/7 ≈ 17
    expect(mean(naive.forecast)).toBeLessThan(mean(censored.forecast) / 2);
  });

  it("keeps a sale made on a day flagged out of stock (the flag was wrong)", () => {
    const base = weeklySeries(120, 10, 12);
    const r = forecastSeries({ ...base, inStock: Array.from(base.values, () => 0) }, { horizon: 7 });
    expect(r.censoredDays).toBeLessThan(40);
  });

  it("NaN values are unknown days, not zeros", () => {
    const base = weeklySeries(150, 10, 13);
    const values = Array.from(base.values, (v, i) => (i >= 120 ? NaN : v));
    const r = forecastSeries({ ...base, values }, { horizon: 7 });
    expect(r.censoredDays).toBe(30);
    expect(mean(r.forecast)).toBeGreaterThan(6);
  });
});

describe("cold start", () => {
  it("a new variant follows its parent's pattern, scaled by its observed share, with wide bands", () => {
    const parent = weeklySeries(300, 100, 21);
    const pv = Array.from(parent.values);
    // Variant started 10 days before the end, selling ~10 % of the parent.
    const values = pv.slice(290).map((v) => Math.round(v / 10));
    const res = forecastSeries(
      { id: "new", start: "2024-10-17", values, parent: { kind: "series", start: parent.start, values: pv } },
      { horizon: 14 },
    );
    const parentRes = forecastSeries(parent, { horizon: 14 });
    expect(res.coldStart).toBe(true);
    expect(res.model).toBe("cold-start");
    expect(res.warnings.join(" ")).toMatch(/cold start/);
    expect(res.start).toBe(parentRes.start);
    const ratio = mean(res.forecast) / mean(parentRes.forecast);
    expect(ratio).toBeGreaterThan(0.07);
    expect(ratio).toBeLessThan(0.13);
    // Wider (relative) bands than the parent's own.
    const rel = (r: typeof res): number => mean(r.hi80.map((h, i) => h - r.lo80[i]!)) / mean(r.forecast);
    expect(rel(res)).toBeGreaterThan(rel(parentRes));
    expect(Number.isNaN(res.backtest.coverage80)).toBe(true);
  });

  it("uses the given share when the variant has no history yet", () => {
    const parent = weeklySeries(200, 60, 22);
    const res = forecastSeries(
      { id: "new", start: "2024-07-19", values: [], parent: { kind: "series", start: parent.start, values: parent.values, share: 0.25 } },
      { horizon: 7 },
    );
    expect(res.start).toBe("2024-07-19");
    const parentRes = forecastSeries(parent, { horizon: 7 });
    expect(mean(res.forecast) / mean(parentRes.forecast)).toBeCloseTo(0.25, 6);
  });

  it("a level prior with a weekday profile", () => {
    const res = forecastSeries(
      { id: "n", start: "2024-01-01", values: [0, 0], parent: { kind: "level", dailyUnits: 7, weekdayProfile: [1, 1, 1, 1, 1, 0, 2] } },
      { horizon: 7 },
    );
    expect(res.coldStart).toBe(true);
    // w = 2/56 on the own mean (0).
    expect(res.forecast[0]).toBeCloseTo(7 * (54 / 56), 6); // 2024-01-03 is a Wednesday
    expect(res.forecast[3]).toBe(0); // Saturday
    expect(res.hi95[0]!).toBeGreaterThan(res.hi80[0]!);
    expect(res.lo80[0]).toBe(0);
  });

  it("no history and no parent: zero with a warning", () => {
    const res = forecastSeries({ id: "n", start: "2024-01-01", values: [] }, { horizon: 3 });
    expect(res.forecast).toEqual([0, 0, 0]);
    expect(res.warnings.join(" ")).toMatch(/no history and no parent/);
    // No backtest, so nothing to judge recent days against.
    expect(res.anomalies).toEqual([]);
  });
});
