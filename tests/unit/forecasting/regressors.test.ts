import { describe, expect, it } from "vitest";
import { deviations, forecastSeries, forecastWithSignals } from "~/forecasting/index";
import type { SeriesInput } from "~/forecasting/types";
import { poisson, rng, WEEK } from "./helpers";

const DAYS = 400;
const HORIZON = 28;
/** A daily temperature: a seasonal cycle plus weather spells (AR(1) noise); the last 14 values are the weather forecast. */
function temperature(seed: number): number[] {
  const r = rng(seed);
  let spell = 0;
  return Array.from({ length: DAYS + HORIZON }, (_, i) => {
    spell = 0.8 * spell + (r() - 0.5) * 5;
    return i < DAYS + 14 ? 12 - 8 * Math.cos((2 * Math.PI * i) / 365) + spell : NaN;
  });
}

function series(seed: number, sensitivity: number, temp: number[]): SeriesInput {
  const r = rng(seed);
  const dev = deviations(temp);
  const values = Array.from({ length: DAYS }, (_, i) => poisson(r, 15 * WEEK[i % 7]! * Math.exp(sensitivity * dev[i]!)));
  return {
    id: `s${seed}`,
    start: "2024-01-01",
    values,
    regressors: [{ name: "temperature", values: temp, knownAhead: 14, beyond: "unknown" }],
  };
}

describe("external regressors (regressors.ts)", () => {
  it("takes a regressor's deviation from its centred 29-day mean, unknown where the value is", () => {
    const dev = deviations([...Array<number>(20).fill(10), 20, ...Array<number>(20).fill(10), NaN]);
    expect(dev[20]).toBeCloseTo(20 - (28 * 10 + 20) / 29, 6);
    expect(dev[6]).toBeLessThan(0);
    expect(dev[41]).toBeNaN();
  });

  it("uses temperature for a weather-sensitive series: the known forecast days follow the weather", () => {
    const temp = temperature(3);
    const s = series(4, 0.12, temp);
    const r = forecastWithSignals(s, { horizon: HORIZON });
    const plain = forecastSeries({ ...s, regressors: undefined }, { horizon: HORIZON });
    const [decision] = r.signals ?? [];
    expect(decision).toMatchObject({ signal: "temperature", used: true, reason: "gain", windows: 6, futureDays: 14 });
    expect(decision!.effect!).toBeGreaterThan(1.05);
    expect(decision!.maeWith!).toBeLessThan(decision!.maeWithout!);
    const dev = deviations(temp);
    // The open day with the largest deviation moves with it.
    const day = Array.from({ length: 14 }, (_, i) => i)
      .filter((i) => plain.forecast[i]! > 0)
      .sort((a, b) => Math.abs(dev[DAYS + b]!) - Math.abs(dev[DAYS + a]!))[0]!;
    expect(Math.sign(r.forecast[day]! - plain.forecast[day]!)).toBe(Math.sign(dev[DAYS + day]!));
    // Beyond the weather forecast's 14 days nothing changes.
    expect(r.forecast.slice(14)).toEqual(plain.forecast.slice(14));
  });

  it("leaves a series alone when the regressor does not explain its sales", () => {
    const s = series(6, 0, temperature(5));
    const r = forecastWithSignals(s, { horizon: HORIZON });
    const plain = forecastSeries({ ...s, regressors: undefined }, { horizon: HORIZON });
    expect(r.signals?.[0]).toMatchObject({ signal: "temperature", used: false, reason: "no_gain" });
    expect(r.forecast).toEqual(plain.forecast);
  });

  it("says so when the history is too short for the backtest windows", () => {
    const temp = temperature(7);
    const full = series(8, 0.1, temp);
    const s: SeriesInput = { ...full, values: Array.from(full.values).slice(0, 100) };
    const r = forecastWithSignals(
      { ...s, regressors: [{ name: "temperature", values: temp.slice(0, 128), knownAhead: 14, beyond: "unknown" }] },
      { horizon: HORIZON },
    );
    expect(r.signals?.[0]).toMatchObject({ used: false });
    expect(["too_few_windows", "no_history"]).toContain(r.signals?.[0]?.reason);
  });
});
