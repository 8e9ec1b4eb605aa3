import { describe, expect, it } from "vitest";
import { classify } from "~/forecasting/classify";
import { forecastSeries } from "~/forecasting/index";
import { levelShift } from "~/forecasting/level-shift";
import { MODELS, runModels, YEARLY_VARIANTS, type ModelInput } from "~/forecasting/models";
import { prepareSeries } from "~/forecasting/prepare";
import { weekdayProfile } from "~/forecasting/profile";
import { candidateModels, modelInput as selectInput, originsFor } from "~/forecasting/select";
import type { ModelName, SeriesInput } from "~/forecasting/types";
import { YEARLY_MIN_DAYS, yearlyIndex, yearlySkill, yearShift } from "~/forecasting/yearly";
import { mean, poisson, rng } from "./helpers";

const YEAR = 365.25;

/** Daily Poisson demand from 2020-01-06 (a Monday): `level(t)` units on day t, Sundays at half. */
function series(days: number, level: (t: number) => number, seed: number, id = "s"): SeriesInput {
  const r = rng(seed);
  return { id, start: "2020-01-06", values: Array.from({ length: days }, (_, t) => poisson(r, level(t) * (t % 7 === 6 ? 0.5 : 1))) };
}

/** A yearly season: 20 a day, × 2.5 over the same 5 weeks of every year (days 300–334 of it). */
const peaked = (t: number): number => (t % YEAR >= 300 && t % YEAR < 335 ? 50 : 20);
/** A steady seller without a season. */
const flat = (): number => 20;

const sum = (a: ArrayLike<number>, from = 0, to = a.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s;
};

function modelInput(y: number[], horizon: number, levelDays?: number): ModelInput {
  const arr = Float64Array.from(y);
  return { y: arr, observed: Uint8Array.from(y, () => 1), startDow: 0, profile: weekdayProfile(arr, 0), horizon, levelDays };
}

describe("yearly index", () => {
  it("needs a year plus the 28-day base before the origin", () => {
    expect(YEARLY_MIN_DAYS).toBe(yearShift(1) + 28);
    expect(yearlyIndex(new Float64Array(YEARLY_MIN_DAYS - 1).fill(5), 28)).toBeUndefined();
    expect(Array.from(yearlyIndex(new Float64Array(YEARLY_MIN_DAYS).fill(5), 28)!)).toEqual(Array(28).fill(1));
  });

  it("averages the past years in log space and shrinks by K / (K + 0.5)", () => {
    // Exactly ×2 over the same dates every year, × 1 elsewhere; the origin 14 days before the peak.
    const peakStart = 300;
    const year = yearShift(1);
    const y = (years: number): Float64Array => {
      const n = years * year + peakStart - 14;
      return Float64Array.from({ length: n + 60 }, (_, t) => (t % year >= peakStart && t % year < peakStart + 60 ? 20 : 10)).subarray(0, n);
    };
    // Mid-peak (day 30 of the horizon): the 2-week window a year back sits inside the peak.
    const one = yearlyIndex(y(1), 45)!;
    const three = yearlyIndex(y(3), 45)!;
    expect(one[30]).toBeCloseTo(2 ** (1 / 1.5), 6);
    expect(three[30]).toBeCloseTo(2 ** (3 / 3.5), 6);
    expect(one[0]).toBeCloseTo(1, 6);
  });

  it("covers horizons of more than a year from the past years alone", () => {
    const y = Float64Array.from({ length: 800 }, (_, t) => 10 + (t % 50));
    const long = yearlyIndex(y, 400)!;
    expect(long).toHaveLength(400);
    for (const v of long) expect(Number.isFinite(v) && v >= 1 / 3 && v <= 3).toBe(true);
    expect(Array.from(long.subarray(0, 28))).toEqual(Array.from(yearlyIndex(y, 28)!));
  });
});

describe("yearly skill (which family of level models)", () => {
  it("is true where the past years' season repeats, false for a steady seller and for short histories", () => {
    const seasonal = Float64Array.from(series(900, peaked, 1).values as number[]);
    const steady = Float64Array.from(series(900, flat, 2).values as number[]);
    expect(yearlySkill(seasonal, 28)).toBe(true);
    expect(yearlySkill(steady, 28)).toBe(false);
    expect(yearlySkill(seasonal.subarray(0, YEARLY_MIN_DAYS + 27), 28)).toBe(false);
  });

  it("routes the candidates: yearly variants replace the level models only where the season repeats", () => {
    const opts = { horizon: 28 };
    const names = (s: SeriesInput): ModelName[] => {
      const p = prepareSeries(s, opts);
      return candidateModels(
        p,
        classify(p.raw, () => true),
        opts,
      );
    };
    const seasonal = names(series(730, peaked, 3));
    expect(seasonal).toEqual(
      expect.arrayContaining(["ses-weekly-yearly", "damped-weekly-yearly", "adida-weekly-yearly", "moving-average-yearly"]),
    );
    expect(seasonal).not.toContain("ses-weekly");
    const steady = names(series(730, flat, 4));
    expect(steady).toEqual(expect.arrayContaining(["ses-weekly", "damped-weekly", "adida-weekly", "moving-average"]));
    for (const v of Object.keys(YEARLY_VARIANTS)) expect(steady).not.toContain(v);
    // Under 13 months: no yearly variants, whatever the data.
    for (const v of Object.keys(YEARLY_VARIANTS)) expect(names(series(400, peaked, 5))).not.toContain(v);
  });
});

describe("same-season origins", () => {
  it("are added one and two years back when a year of history lies before them", () => {
    expect(originsFor(730, 28, 4, true)).toEqual([702, 674, 646, 618]);
    expect(originsFor(800, 28, 4, true)).toEqual([772, 744, 716, 688, 436]);
    expect(originsFor(1200, 28, 4, true)).toEqual([1172, 1144, 1116, 1088, 836, 472]);
    expect(originsFor(1200, 28, 4)).toEqual([1172, 1144, 1116, 1088]);
  });

  it("end to end: three years with a peak in the coming weeks are forecast from the past peaks", () => {
    // Origin 2 weeks before the 5-week peak of the fourth year; hold out 28 days.
    const n = Math.round(3 * YEAR) + 286;
    const full = series(n + 28, peaked, 6);
    const hist = { ...full, values: (full.values as number[]).slice(0, n) };
    const r = forecastSeries(hist, { horizon: 28 });
    expect(r.backtest.origins).toBe(6);
    for (const c of r.components) expect(c === "seasonal-naive" || YEARLY_VARIANTS[c] !== undefined).toBe(true);
    const actual = sum(full.values, n, n + 28);
    const recent = (sum(hist.values, n - 28, n) / 28) * 28;
    // The peak is in the forecast: far above the last 4 weeks, within 12 % of the actual total.
    expect(sum(r.forecast)).toBeGreaterThan(1.4 * recent);
    expect(Math.abs(sum(r.forecast) / actual - 1)).toBeLessThan(0.15);
  });

  it("exactly 730 days (the nightly run): yearly variants without same-season origins; 400 days: none", () => {
    const r730 = forecastSeries(series(730, peaked, 7), { horizon: 90 });
    expect(r730.forecast).toHaveLength(90);
    expect(r730.backtest.origins).toBe(4);
    expect(Object.keys(r730.backtest.scores)).toContain("ses-weekly-yearly");
    const r400 = forecastSeries(series(400, peaked, 7), { horizon: 90 });
    expect(r400.backtest.origins).toBe(4);
    for (const v of Object.keys(YEARLY_VARIANTS)) expect(Object.keys(r400.backtest.scores)).not.toContain(v);
    for (const r of [r730, r400]) for (const v of r.forecast) expect(Number.isFinite(v) && v >= 0).toBe(true);
  });
});

describe("level shift", () => {
  const weeks = (w: number[]): number[] => w.flatMap((x) => Array<number>(7).fill(x / 7));

  it("finds a step a few weeks back and how long ago it was", () => {
    const up = levelShift(weeks([...Array<number>(14).fill(140), 190, 185, 195]));
    expect(up.days).toBe(21);
    expect(up.t).toBeGreaterThan(4);
    const down = levelShift(weeks([...Array<number>(14).fill(140), 100, 95]));
    expect(down.days).toBe(14);
    expect(down.t).toBeLessThan(-4);
  });

  it("ignores one odd week, a single week and small changes", () => {
    expect(levelShift(weeks([...Array<number>(14).fill(140), 260, 140, 140])).days).toBe(0);
    expect(levelShift(weeks([...Array<number>(15).fill(140), 190])).days).toBe(0);
    expect(levelShift(weeks([...Array<number>(14).fill(140), 150, 150, 150])).days).toBe(0);
    expect(levelShift(weeks(Array<number>(10).fill(140))).days).toBe(0); // too short to tell
  });

  it("rarely fires on steady Poisson demand", () => {
    let fired = 0;
    for (let k = 0; k < 200; k++) if (levelShift(series(200, flat, 100 + k).values).days > 0) fired++;
    expect(fired).toBeLessThanOrEqual(4);
  });

  it("the level models start from the new level, and the forecast follows a smooth seller's step", () => {
    const y = [...Array.from({ length: 120 }, () => 20), ...Array.from({ length: 21 }, () => 30)];
    for (const name of ["ses-weekly", "damped-weekly", "adida-weekly", "moving-average"] as const) {
      const f = MODELS[name]!(modelInput(y, 7, 21));
      expect(mean(Array.from(f)), name).toBeCloseTo(30, 0);
    }
    // The same series with Poisson noise, end to end: the step 3 weeks back is in the level.
    const s = series(400, (t) => (t < 379 ? 20 : 30), 8);
    const r = forecastSeries(s, { horizon: 28 });
    expect(sum(r.forecast) / 28).toBeGreaterThan(0.9 * 30 * (6.5 / 7));
  });

  it("is looked for in smooth demand only", () => {
    // Sales on 1 day in 10, then on 1 day in 2 for the last 3 weeks: a step in the weekly totals,
    // but intermittent demand, where a few busy weeks are no evidence of a new level.
    const r = rng(9);
    const values = Array.from({ length: 300 }, (_, t) => (r() < (t < 279 ? 0.1 : 0.5) ? 1 + poisson(r, 2) : 0));
    const opts = { horizon: 28 };
    const p = prepareSeries({ id: "i", start: "2020-01-06", values }, opts);
    const cls = classify(p.raw, () => true);
    expect(cls.demandClass).not.toBe("smooth");
    const m = selectInput(p, p.n, 28, opts, cls);
    expect(levelShift(m.y).days).toBeGreaterThan(0);
    expect(m.levelDays).toBe(0);
    const smooth = prepareSeries(
      series(400, (t) => (t < 379 ? 20 : 30), 8),
      opts,
    );
    const cs = classify(smooth.raw, () => true);
    expect(cs.demandClass).toBe("smooth");
    expect(selectInput(smooth, smooth.n, 28, opts, cs).levelDays).toBe(21);
  });
});

describe("runModels", () => {
  it("gives what each model gives on its own", () => {
    const y = series(800, peaked, 10).values as number[];
    const m = modelInput(y, 28, 14);
    const names = Object.keys(MODELS).filter((k) => k !== "mstl-ets") as ModelName[];
    const all = runModels(m, names);
    names.forEach((name, i) => expect(Array.from(all[i]!), name).toEqual(Array.from(MODELS[name]!(m))));
  });
});
