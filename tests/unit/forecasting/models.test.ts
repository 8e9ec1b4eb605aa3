import { describe, expect, it } from "vitest";
import { MODELS, type ModelInput } from "~/forecasting/models";
import { crostonRate, tsbRate } from "~/forecasting/models/croston";
import { flatMovingAverage } from "~/forecasting/models/moving-average";
import { weekdayProfile } from "~/forecasting/profile";
import type { ModelName } from "~/forecasting/types";

function input(y: number[], horizon = 14, profile?: number[]): ModelInput {
  const arr = Float64Array.from(y);
  return {
    y: arr,
    observed: Uint8Array.from(y, () => 1),
    startDow: 0,
    profile: profile ? Float64Array.from(profile) : weekdayProfile(arr, 0),
    horizon,
  };
}

const run = (name: ModelName, m: ModelInput): number[] => Array.from(MODELS[name]!(m));

describe("models", () => {
  it("seasonal naive repeats the last week", () => {
    const y = Array.from({ length: 21 }, (_, i) => i);
    expect(run("seasonal-naive", input(y, 9))).toEqual([14, 15, 16, 17, 18, 19, 20, 14, 15]);
  });

  it("moving average: flat baseline = mean of the last 28 days; profiled version keeps the total", () => {
    const y = [...Array(28).fill(100), ...Array.from({ length: 28 }, (_, i) => (i % 7 === 5 ? 0 : 7))];
    const m = input(y, 7, [7 / 6, 7 / 6, 7 / 6, 7 / 6, 7 / 6, 0, 7 / 6]);
    expect(Array.from(flatMovingAverage(m))).toEqual(Array(7).fill(6));
    const f = run("moving-average", m);
    expect(f[5]).toBe(0);
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(42, 9);
  });

  it("exponential smoothing models reproduce a constant level with its weekday shape", () => {
    const prof = [1.2, 1.1, 1.1, 1.2, 1.0, 0, 1.4];
    const y = Array.from({ length: 140 }, (_, i) => 10 * prof[i % 7]!);
    for (const name of ["ses-weekly", "damped-weekly", "adida-weekly", "ses-weekly-yearly"] as const) {
      const f = run(name, input(y, 7, prof));
      f.forEach((v, i) => expect(v, `${name} day ${i}`).toBeCloseTo(10 * prof[i]!, 6));
    }
  });

  it("damped trend follows a rising series (above the recent mean, still rising, but flattening)", () => {
    const y = Array.from({ length: 140 }, (_, i) => 10 + i * 0.5);
    const f = run("damped-weekly", input(y, 28, [1, 1, 1, 1, 1, 1, 1]));
    const recentMean = y.slice(-28).reduce((a, b) => a + b, 0) / 28;
    expect(f[0]!).toBeGreaterThan(recentMean);
    expect(f[27]!).toBeGreaterThan(f[0]!);
    expect(f[27]! - f[20]!).toBeLessThan(f[6]! - f[0]!);
  });

  it("yearly seasonality uses the same weeks one year earlier", () => {
    // 2 years: level 10, with weeks 10..13 of each year at 30.
    const y = Array.from({ length: 364 + 70 }, (_, i) => (i % 364 >= 70 && i % 364 < 98 ? 30 : 10));
    const f = run("ses-weekly-yearly", input(y, 28, [1, 1, 1, 1, 1, 1, 1]));
    const g = run("ses-weekly", input(y, 28, [1, 1, 1, 1, 1, 1, 1]));
    expect(f[14]!).toBeGreaterThan(1.8 * g[14]!);
  });

  it("Croston: size / interval; SBA = (1 − α/2)·Croston", () => {
    // 8 units every 4th day: rate 2 per day.
    const y = Array.from({ length: 120 }, (_, i) => (i % 4 === 3 ? 8 : 0));
    expect(crostonRate(Float64Array.from(y))).toBeCloseTo(2, 6);
    const flat = [1, 1, 1, 1, 1, 1, 1];
    const c = run("croston", input(y, 7, flat));
    const s = run("sba", input(y, 7, flat));
    expect(c[0]).toBeCloseTo(2, 6);
    expect(s[0]).toBeCloseTo(2 * 0.95, 6);
  });

  it("TSB decays for an item that stopped selling; Croston does not", () => {
    const y = [...Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 4 : 0)), ...Array(60).fill(0)];
    expect(tsbRate(Float64Array.from(y))).toBeLessThan(0.2);
    expect(crostonRate(Float64Array.from(y))).toBeGreaterThan(1);
  });

  it("intermittent methods skip closed weekdays and only count observed days", () => {
    const prof = [7 / 6, 7 / 6, 7 / 6, 7 / 6, 7 / 6, 0, 7 / 6];
    const y = Array.from({ length: 70 }, (_, i) => (i % 7 === 5 ? 0 : 3));
    const m = input(y, 7, prof);
    m.observed = Uint8Array.from(y, (_, i) => (i % 7 === 5 ? 0 : 1));
    const f = run("croston", m);
    expect(f[5]).toBe(0);
    expect(f[0]).toBeCloseTo(3, 6);
  });

  it("mstl-ets calls the injected augurs engine and clips negatives", () => {
    const m = input(Array(56).fill(5), 7, [1, 1, 1, 1, 1, 0, 1]);
    m.augurs = { mstlEts: (_y, periods, h) => Float64Array.from({ length: h }, (_, i) => (i === 1 ? -3 : periods[0]!)) };
    expect(run("mstl-ets", m)).toEqual([7, 0, 7, 7, 7, 0, 7]);
  });

  it("every model returns finite, non-negative values on lumpy data", () => {
    const y = Array.from({ length: 200 }, (_, i) => (i % 13 === 0 ? 500 : i % 3 === 0 ? 2 : 0));
    for (const [name, fn] of Object.entries(MODELS)) {
      if (name === "mstl-ets") continue;
      const f = Array.from(fn(input(y, 28)));
      expect(f.length).toBe(28);
      for (const v of f) expect(Number.isFinite(v) && v >= 0, name).toBe(true);
    }
  });
});
