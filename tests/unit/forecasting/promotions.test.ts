import { describe, expect, it } from "vitest";
import { estimateUplift, forecastSeries, forecastWithPromotions, liftFuture } from "~/forecasting/index";
import type { SeriesInput } from "~/forecasting/types";
import { poisson, rng, WEEK } from "./helpers";

const DAYS = 420;
const HORIZON = 28;
/** Promotions of 10 days every 60 days from day 100, and one planned 5 days after the history ends. */
function promoDays(total: number): number[] {
  return Array.from({ length: total }, (_, i) =>
    (i >= 100 && (i - 100) % 60 < 10 && i < DAYS) || (i >= DAYS + 5 && i < DAYS + 12) ? 1 : 0,
  );
}

/** A weekly-patterned Poisson series whose promotion days sell `uplift` times as much. */
function promotedSeries(uplift: number, seed: number, level = 12): SeriesInput {
  const r = rng(seed);
  const days = promoDays(DAYS + HORIZON);
  const values = Array.from({ length: DAYS }, (_, i) => poisson(r, level * WEEK[i % 7]! * (days[i] ? uplift : 1)));
  return { id: `s${seed}`, start: "2024-01-01", values, promotions: { days } };
}

describe("promotions as a signal (promotions.ts)", () => {
  it("measures the uplift from the days around each promotion", () => {
    const s = promotedSeries(1.8, 3);
    const flags = Uint8Array.from(s.promotions!.days as number[]);
    const u = estimateUplift(s, flags, DAYS, {});
    expect(u?.uplift).toBeGreaterThan(1.6);
    expect(u?.uplift).toBeLessThan(2);
    expect(u?.days).toBeGreaterThan(50);
    // Only days before `to` count: before the first promotion there is nothing to measure.
    expect(estimateUplift(s, flags, 100, {})).toBeUndefined();
  });

  it("uses the signal where the backtest gains: the spikes are explained and the planned days lifted", () => {
    const s = promotedSeries(1.8, 5);
    const r = forecastWithPromotions(s, { horizon: HORIZON });
    const [decision] = r.signals ?? [];
    expect(decision).toMatchObject({ signal: "promotion", used: true, reason: "gain", windows: 3 });
    expect(decision!.maeWith!).toBeLessThan(decision!.maeWithout!);
    expect(decision!.effect!).toBeGreaterThan(1.5);
    expect(decision!.futureDays).toBe(7);
    // No promotion day is cut as an outlier any more.
    expect(r.outliers).toEqual([]);
    // The planned days (5..11 of the horizon) are lifted against the same weekdays a week later.
    const monday = r.dates.findIndex((d, i) => i >= 5 && i <= 11 && new Date(`${d}T00:00:00Z`).getUTCDay() === 1);
    expect(r.forecast[monday]!).toBeGreaterThan(1.4 * r.forecast[monday + 7]!);
    expect(r.hi95[monday]!).toBeGreaterThan(r.hi95[monday + 7]!);
  });

  it("leaves a series alone when its promotions do not move demand", () => {
    const s = promotedSeries(1, 7);
    const r = forecastWithPromotions(s, { horizon: HORIZON });
    const plain = forecastSeries({ ...s, promotions: undefined }, { horizon: HORIZON });
    expect(r.signals?.[0]).toMatchObject({ used: false, reason: "no_gain" });
    expect(r.forecast).toEqual(plain.forecast);
    expect(r.hi95).toEqual(plain.hi95);
  });

  it("is exactly the plain forecast without promotions", () => {
    const s = promotedSeries(1.8, 9);
    const { promotions: _, ...plain } = s;
    expect(forecastWithPromotions(plain, { horizon: HORIZON })).toEqual(forecastSeries(plain, { horizon: HORIZON }));
  });

  it("lifts a planned promotion of a series without promotion history by the prior, and says whose it is", () => {
    const r0 = rng(11);
    const values = Array.from({ length: DAYS }, (_, i) => poisson(r0, 10 * WEEK[i % 7]!));
    const days = Array.from({ length: DAYS + HORIZON }, (_, i) => (i >= DAYS + 2 && i < DAYS + 9 ? 1 : 0));
    const input: SeriesInput = { id: "new", start: "2024-01-01", values, promotions: { days, prior: { uplift: 1.5, source: "type" } } };
    const r = forecastWithPromotions(input, { horizon: HORIZON });
    const plain = forecastSeries({ ...input, promotions: undefined }, { horizon: HORIZON });
    expect(r.signals?.[0]).toMatchObject({ used: true, reason: "prior", priorSource: "type", effect: 1.5, windows: 0 });
    expect(r.forecast[3]).toBeCloseTo(plain.forecast[3]! * 1.5, 6);
    expect(r.forecast[20]).toBe(plain.forecast[20]);
    // Without a prior nothing changes.
    const none = forecastWithPromotions({ ...input, promotions: { days } }, { horizon: HORIZON });
    expect(none.signals?.[0]).toMatchObject({ used: false, reason: "no_history" });
    expect(none.forecast).toEqual(plain.forecast);
  });

  it("liftFuture scales only the promotion days and keeps the input unchanged", () => {
    const base = forecastSeries(
      { id: "x", start: "2024-01-01", values: Array.from({ length: 100 }, (_, i) => 5 + (i % 3)) },
      { horizon: 4 },
    );
    const copy = structuredClone(base);
    const lifted = liftFuture(base, [0, 0, 1, 0, 1, 0], 2, 2);
    expect(base).toEqual(copy);
    expect(lifted.forecast).toEqual([base.forecast[0]! * 2, base.forecast[1], base.forecast[2]! * 2, base.forecast[3]]);
  });
});
