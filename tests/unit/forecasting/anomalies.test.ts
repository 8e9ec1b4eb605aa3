import { describe, expect, it } from "vitest";
import { ANOMALY_WINDOW_DAYS, detectAnomalies, type AnomalyInput } from "~/forecasting/anomalies";
import { forecastSeries } from "~/forecasting/index";
import { poisson, rng, weeklySeries, WEEK } from "./helpers";

const FLAT = [1, 1, 1, 1, 1, 1, 1];

/**
 * 84 days of history (2024-01-01 is a Monday), the reference forecast made at day 56 for the last 28 days: `level`
 * a day with a band of [lo, hi] around it; the last 7 days' actuals are `last`.
 */
function input(last: number[], over: Partial<AnomalyInput> = {}, level = 10, lo = 4, hi = 17): AnomalyInput {
  const history = Array.from({ length: 84 }, () => level);
  history.splice(84 - last.length, last.length, ...last);
  return {
    start: "2024-01-01",
    actual: history,
    startDow: 0,
    profile: FLAT,
    origin: 56,
    forecast: Array.from({ length: 28 }, () => level),
    lo95: Array.from({ length: 28 }, () => lo),
    hi95: Array.from({ length: 28 }, () => hi),
    spikeCap: 40,
    outOfStock: false,
    demandClass: "smooth",
    ...over,
  };
}

describe("detectAnomalies: the rules", () => {
  it("flags nothing when the last week stays inside the band", () => {
    expect(detectAnomalies(input([9, 12, 5, 16, 10, 8, 11]))).toEqual([]);
  });

  it("one day far above the band and the series' own spike size is a spike, with the day's expected range", () => {
    const flags = detectAnomalies(input([10, 10, 10, 55, 10, 10, 10]));
    expect(flags).toEqual([{ date: "2024-03-21", kind: "spike", units: 55, expected: 10, lo95: 4, hi95: 17 }]);
  });

  it("one day above the band but within the series' usual order sizes is not", () => {
    expect(detectAnomalies(input([10, 10, 10, 30, 10, 10, 10]))).toEqual([]);
  });

  it("a sustained surge (several days above the band, the week's total above the sum of its tops) flags those days", () => {
    const flags = detectAnomalies(input([20, 25, 22, 24, 21, 10, 23]));
    expect(flags.map((f) => [f.date.slice(5), f.kind])).toEqual([
      ["03-18", "spike"],
      ["03-19", "spike"],
      ["03-20", "spike"],
      ["03-21", "spike"],
      ["03-22", "spike"],
      ["03-24", "spike"],
    ]);
    // One day over the band, or a total under the tops, is the band's normal 1-in-20 miss.
    expect(detectAnomalies(input([20, 10, 10, 10, 10, 10, 10]))).toEqual([]);
    expect(detectAnomalies(input([18, 18, 2, 2, 10, 10, 10]))).toEqual([]);
  });

  it("a sustained drop (several days under the band, the total under the sum of its bottoms) flags those days", () => {
    const flags = detectAnomalies(input([3, 2, 3, 1, 10, 2, 3]));
    expect(flags.every((f) => f.kind === "drop")).toBe(true);
    expect(flags.map((f) => f.units)).toEqual([3, 2, 3, 1, 2, 3]);
  });

  it("intermittent and lumpy demand get neither sustained rule: two orders in a week are their normal course", () => {
    const lumpy = { demandClass: "lumpy" as const, spikeCap: 60 };
    expect(detectAnomalies(input([0, 30, 0, 0, 25, 0, 0], lumpy, 1, 0, 12))).toEqual([]);
    expect(detectAnomalies(input([20, 25, 22, 24, 21, 10, 23], { demandClass: "intermittent" }))).toEqual([]);
    // The one-day spike still applies.
    expect(detectAnomalies(input([0, 0, 0, 90, 0, 0, 0], lumpy, 1, 0, 12))).toHaveLength(1);
  });

  it("band bottoms that add up to less than a unit never make a drop", () => {
    expect(detectAnomalies(input([0, 0, 0, 0, 0, 0, 0], { actual: Array(84).fill(0), demandClass: "erratic" }, 0.5, 0.1, 4))).toEqual([]);
  });

  it("a daily seller with no sale for the last week, stock on hand: a drop to zero on every day of the run", () => {
    const flags = detectAnomalies(input([0, 0, 0, 0, 0, 0, 0], { lo95: Array(28).fill(0), demandClass: "erratic" }));
    expect(flags).toHaveLength(7);
    expect(flags.every((f) => f.kind === "drop" && f.units === 0 && f.expected === 10)).toBe(true);
  });

  it("no drop while out of stock: the stockout explains the missing sales", () => {
    expect(detectAnomalies(input([0, 0, 0, 0, 0, 0, 0], { lo95: Array(28).fill(0), outOfStock: true }))).toEqual([]);
  });

  it("a run of zeros is only improbable for an item that sold on most days before it", () => {
    // Sold on one day in five before the run: a week without a sale is ordinary.
    const actual = Array.from({ length: 84 }, (_, i) => (i < 77 && i % 5 === 0 ? 3 : 0));
    expect(detectAnomalies(input([], { actual, lo95: Array(28).fill(0), demandClass: "intermittent" }, 0.6, 0, 5))).toEqual([]);
  });

  it("a run of zeros that began before the reference forecast's origin is not news to it", () => {
    const actual = Array.from({ length: 84 }, (_, i) => (i < 50 ? 10 : 0));
    expect(detectAnomalies(input([], { actual, lo95: Array(28).fill(0) }))).toEqual([]);
  });

  it("skips censored days (NaN) and weekdays the series never trades on", () => {
    // A NaN spike day cannot be judged; Sunday (index 6 of the profile) is closed.
    const closedSunday = [1.2, 1.2, 1.2, 1.2, 1.2, 1, 0];
    expect(detectAnomalies(input([10, 10, NaN, 10, 10, 10, 10]))).toEqual([]);
    // 2024-03-24 is a Sunday: a sale recorded there is not judged against a band for a closed day.
    expect(detectAnomalies(input([10, 10, 10, 10, 10, 10, 90], { profile: closedSunday }))).toEqual([]);
    expect(detectAnomalies(input([10, 10, 10, 10, 10, 10, 90]))).toHaveLength(1);
  });

  it("judges only the last `window` days", () => {
    const actual = Array.from({ length: 84 }, (_, i) => (i === 84 - ANOMALY_WINDOW_DAYS - 1 ? 90 : 10));
    expect(detectAnomalies(input([], { actual }))).toEqual([]);
    expect(detectAnomalies(input([], { actual, window: ANOMALY_WINDOW_DAYS + 1 }))).toHaveLength(1);
  });
});

describe("forecastSeries: anomalies from the latest backtest origin", () => {
  it("a steady seller with a burst in its last days gets spike flags on those days; without it, none", () => {
    const base = weeklySeries(364, 20, 31);
    const calm = forecastSeries(base, { horizon: 28 });
    expect(calm.anomalies).toEqual([]);
    const values = Array.from(base.values);
    for (let i = 360; i < 364; i++) values[i] = values[i]! * 4 + 20;
    const burst = forecastSeries({ ...base, values }, { horizon: 28 });
    const flagged = (burst.anomalies ?? []).filter((f) => f.kind === "spike").map((f) => f.date);
    expect(flagged.length).toBeGreaterThanOrEqual(3);
    expect(flagged.every((date) => date >= "2024-12-26")).toBe(true);
    for (const f of burst.anomalies ?? []) expect(f.units).toBeGreaterThan(f.hi95);
  });

  it("a daily seller whose sales stop for a week: a drop with stock on hand, nothing when it is out of stock", () => {
    const base = weeklySeries(364, 15, 32);
    const values = Array.from(base.values, (v, i) => (i >= 357 ? 0 : v));
    const inStockNow = forecastSeries({ ...base, values, available: 40 }, { horizon: 28 });
    const drops = (inStockNow.anomalies ?? []).filter((f) => f.kind === "drop");
    // Every open day of the run (Saturday is closed in WEEK).
    expect(drops.length).toBeGreaterThanOrEqual(5);
    expect(drops.every((f) => f.units === 0 && f.expected > 5)).toBe(true);
    const soldOut = forecastSeries({ ...base, values, available: 0 }, { horizon: 28 });
    expect(soldOut.anomalies).toEqual([]);
  });

  it("cold starts and series without sales have none", () => {
    expect(forecastSeries(weeklySeries(20, 5, 33), { horizon: 7 }).anomalies).toEqual([]);
    expect(forecastSeries({ id: "z", start: "2024-01-01", values: Array(120).fill(0) }, { horizon: 7 }).anomalies).toEqual([]);
  });

  it("keeps false alarms rare on intermittent and lumpy series that behave as before", () => {
    const r = rng(34);
    let flagged = 0;
    const series = 120;
    for (let k = 0; k < series; k++) {
      const rate = 0.05 + 0.3 * r();
      const size = k % 2 === 0 ? 0.5 : 2 + 8 * r();
      const values = Array.from({ length: 400 }, (_, i) => (WEEK[i % 7]! > 0 && r() < rate ? 1 + poisson(r, size) : 0));
      if ((forecastSeries({ id: `s${k}`, start: "2024-01-01", values }, { horizon: 28 }).anomalies ?? []).length > 0) flagged++;
    }
    expect(flagged).toBeLessThanOrEqual(2);
  });
});
